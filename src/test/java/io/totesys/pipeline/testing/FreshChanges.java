package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.ProducerTemplate;

import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * The check that ends every hostile case: after whatever the lake went through, five fresh
 * sales orders placed in ToteSys reach the warehouse through all three stages.
 */
public final class FreshChanges {

    private FreshChanges() {
    }

    public static void reachTheWarehouse(EmbeddedWorld world, ProducerTemplate producer, ToteSysSimulator simulator) {
        List<Integer> orders = new ArrayList<>();
        for (int change = 0; change < 5; change++) {
            orders.add(simulator.newSalesOrder().orderId());
        }
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        String ids = orders.stream().map(String::valueOf).reduce((left, right) -> left + "," + right).orElseThrow();
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(DISTINCT sales_order_id) FROM fact_sales_order WHERE sales_order_id IN (" + ids + ")"))
                .as("fresh sales orders %s in the warehouse", orders)
                .isEqualTo(5);
    }
}
