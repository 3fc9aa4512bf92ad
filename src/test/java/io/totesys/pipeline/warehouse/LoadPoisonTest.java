package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Parquet objects the load cannot trust, a truncated one, one with bytes changed in place
 * and one the manifest names that is gone, are quarantined with a report while the other
 * tables of the batch load; nothing of their tables reaches the warehouse.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class LoadPoisonTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void untrustedParquetIsQuarantinedWhileTheOtherTablesLoad() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 41).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        String payment = onlyPart(WarehouseTable.FACT_PAYMENT);
        String purchaseOrder = onlyPart(WarehouseTable.FACT_PURCHASE_ORDER);
        String location = onlyPart(WarehouseTable.DIM_LOCATION);
        byte[] paymentBytes = processed.readBytes(payment);
        put(payment, Arrays.copyOf(paymentBytes, paymentBytes.length / 2));
        byte[] purchaseOrderBytes = processed.readBytes(purchaseOrder);
        purchaseOrderBytes[purchaseOrderBytes.length / 2] ^= 0x5A;
        put(purchaseOrder, purchaseOrderBytes);
        world.s3().deleteObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(location));

        PipelineStages.run(producer, PipelineStage.LOAD);

        for (WarehouseTable table : List.of(WarehouseTable.FACT_SALES_ORDER, WarehouseTable.DIM_TRANSACTION,
                WarehouseTable.DIM_STAFF, WarehouseTable.DIM_DESIGN, WarehouseTable.DIM_DATE)) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName() + " loads")
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM fact_payment")).isZero();
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM fact_purchase_order")).isZero();
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM dim_location WHERE address_line_1 <> 'Unknown'"))
                .as("locations other than those the facts' keys inferred").isZero();

        assertQuarantined(payment, "bytes, its manifest says " + paymentBytes.length);
        assertQuarantined(purchaseOrder, "its SHA-256 is");
        assertThat(processed.keys(LakeLayout.quarantine(LakeLayout.tableLocation(WarehouseTable.DIM_LOCATION
                .tableName()) + "/")))
                .as("nothing to quarantine but the report of a missing object")
                .containsExactly(LakeLayout.quarantine(LakeLayout.quarantineReportKey(LakeLayout.relative(location))));
        assertReport(location, "the manifest names it, but it does not exist");
        assertThat(processed.keys("input/")).as("left under input/").isEmpty();
        assertThat(SqlRows.of(world.databases().warehouse(),
                "SELECT jsonb_array_length(quarantined) FROM pipeline.load_batch")).containsExactly("(3)");
    }

    private String onlyPart(WarehouseTable table) {
        List<String> parts = processed.tableParts(table.tableName());
        assertThat(parts).as(table.tableName() + " parts").hasSize(1);
        return parts.get(0);
    }

    private void put(String key, byte[] content) {
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(key),
                RequestBody.fromBytes(content));
    }

    private void assertQuarantined(String inputKey, String problem) throws Exception {
        String relative = LakeLayout.relative(inputKey);
        assertThat(processed.keys(LakeLayout.quarantine(relative))).containsExactly(LakeLayout.quarantine(relative));
        assertReport(inputKey, problem);
    }

    private void assertReport(String inputKey, String problem) throws Exception {
        String relative = LakeLayout.relative(inputKey);
        JsonNode report = json
                .readTree(processed.read(LakeLayout.quarantine(LakeLayout.quarantineReportKey(relative))));
        assertThat(report.get("object").get("key").asText()).isEqualTo(relative);
        assertThat(report.get("object").get("problem").asText()).contains(problem);
    }
}
