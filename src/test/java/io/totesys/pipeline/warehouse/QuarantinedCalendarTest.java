package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.FreshChanges;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * A batch whose {@code dim_date} object is quarantined (here: gone) does not block the load:
 * the days its facts refer to are added whole, from the days themselves, and every fact
 * table loads; later batches load too.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class QuarantinedCalendarTest {

    @Inject
    ProducerTemplate producer;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void factsLoadWhenTheirCalendarObjectIsQuarantined() {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 53);
        simulator.seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        List<String> calendar = processed.tableParts(WarehouseTable.DIM_DATE.tableName());
        assertThat(calendar).isNotEmpty();
        calendar.forEach(key -> world.s3()
                .deleteObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(key)));

        PipelineStages.run(producer, PipelineStage.LOAD);

        assertThat(processed.keys(LakeLayout.quarantine(LakeLayout.tableLocation(WarehouseTable.DIM_DATE.tableName()))))
                .as("the report of the missing calendar object")
                .contains(LakeLayout.quarantine(LakeLayout.quarantineReportKey(LakeLayout.relative(calendar.get(0)))));
        for (WarehouseTable table : List.of(WarehouseTable.FACT_SALES_ORDER, WarehouseTable.FACT_PURCHASE_ORDER,
                WarehouseTable.FACT_PAYMENT)) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName() + " loads")
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        List<String> days = StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(),
                WarehouseTable.DIM_DATE);
        assertThat(days).as("the days the facts refer to, each as the calendar has it").isNotEmpty()
                .isSubsetOf(StarSchemaFromToteSys.rows(world.totesysOwner(), WarehouseTable.DIM_DATE));

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }
}
