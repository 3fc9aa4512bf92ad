package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.FreshChanges;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Extract CSV objects changed after their manifest was written, a sales order CSV cut
 * short by its last records, a payment CSV with one byte changed in place, a transaction
 * CSV whose manifest entry counts a record more than it holds, a deletions object with a key
 * changed, are quarantined with a report while the transform reads them, instead of losing
 * their rows silently; the other tables reach the warehouse, and so do fresh changes.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class TamperedExtractTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void csvObjectsThatAreNotWhatTheirManifestSaysAreQuarantined() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 43);
        simulator.seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        String manifestKey = ingest.keys("input/_manifests/").get(0);
        BatchManifest manifest = json.readValue(ingest.read(manifestKey), BatchManifest.class);

        String salesOrder = inputKey(manifest, "sales_order");
        String salesOrderCsv = ingest.read(salesOrder);
        String withoutLastRecord = salesOrderCsv.substring(0,
                salesOrderCsv.lastIndexOf("\r\n", salesOrderCsv.length() - 3) + 2);
        put(salesOrder, withoutLastRecord.getBytes(StandardCharsets.UTF_8));
        String payment = inputKey(manifest, "payment");
        byte[] paymentBytes = ingest.readBytes(payment);
        int digit = paymentBytes.length - 20;
        while (!Character.isDigit(paymentBytes[digit])) {
            digit--;
        }
        paymentBytes[digit] = (byte) (paymentBytes[digit] == '1' ? '2' : '1');
        put(payment, paymentBytes);
        List<BatchManifest.Entry> entries = manifest.objects().stream()
                .map(entry -> entry.table().equals("transaction")
                        ? new BatchManifest.Entry(entry.table(), entry.key(), entry.rows() + 1, entry.bytes(),
                                entry.sha256(), entry.windowFrom())
                        : entry)
                .toList();
        put(manifestKey, json.writeValueAsBytes(manifest.withObjects(entries)));

        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);

        assertQuarantined(salesOrder, "it is " + withoutLastRecord.getBytes(StandardCharsets.UTF_8).length
                + " bytes, its manifest says " + entry(manifest, "sales_order").bytes());
        assertQuarantined(payment, "its SHA-256 is");
        assertQuarantined(inputKey(manifest, "transaction"), "its manifest says " + (entry(manifest,
                "transaction").rows() + 1));
        assertThat(ingest.keys("input/")).as("left under input/").isEmpty();
        for (String table : List.of("fact_sales_order", "fact_payment")) {
            assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM " + table))
                    .as("%s rows from a quarantined object", table).isZero();
        }
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM dim_transaction WHERE transaction_type <> 'Unknown'"))
                .as("transactions other than those the facts' keys inferred").isZero();
        for (WarehouseTable table : List.of(WarehouseTable.FACT_PURCHASE_ORDER, WarehouseTable.DIM_STAFF,
                WarehouseTable.DIM_DESIGN, WarehouseTable.DIM_LOCATION, WarehouseTable.DIM_COUNTERPARTY)) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName() + " loads")
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    /**
     * Issue 12, point 3: a deletions object changed after its manifest was written is
     * quarantined like any CSV object; the batch's other deletions reach the warehouse, and the
     * row whose deletion was quarantined stays current until a repair.
     */
    @Test
    void aDeletionsObjectThatIsNotWhatItsManifestSaysIsQuarantined() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 47);
        simulator.seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        DatabaseServer.execute(world.totesysOwner(), "DELETE FROM payment WHERE payment_id = 1",
                "DELETE FROM sales_order WHERE sales_order_id = 1");
        Map<String, BatchManifest.Entry> deletions = new ConcurrentHashMap<>();
        // a poll each time: PostgreSQL's statistics count the deletes within a second
        Eventually.holds("the deletes reach the lake", Duration.ofSeconds(30), () -> {
            PipelineStages.run(producer, PipelineStage.EXTRACT);
            for (String key : ingest.keys("input/_manifests/")) {
                json.readValue(ingest.read(key), BatchManifest.class).deletions()
                        .forEach(entry -> deletions.put(entry.table(), entry));
            }
            return deletions.size() == 2;
        }, () -> "tables with deletions in the lake: " + deletions.keySet());
        String payment = LakeLayout.input(deletions.get("payment").key());
        put(payment, ingest.read(payment).replace("\"1\",", "\"2\",").getBytes(StandardCharsets.UTF_8));

        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);

        assertQuarantined(payment, "its SHA-256 is");
        assertThat(ingest.keys("input/")).as("left under input/").isEmpty();
        DataSource warehouse = world.databases().warehouse();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order_current WHERE sales_order_id = 1"))
                .isZero();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order_deletion WHERE sales_order_id = 1"))
                .isOne();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_payment_current WHERE payment_id = 1"))
                .as("the payment whose deletion was quarantined, until a repair").isOne();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_payment_deletion")).isZero();

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    private static BatchManifest.Entry entry(BatchManifest manifest, String table) {
        return manifest.objects().stream().filter(entry -> entry.table().equals(table)).findFirst().orElseThrow();
    }

    private static String inputKey(BatchManifest manifest, String table) {
        return LakeLayout.input(entry(manifest, table).key());
    }

    private void put(String key, byte[] content) {
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(key),
                RequestBody.fromBytes(content));
    }

    private void assertQuarantined(String inputKey, String problem) throws Exception {
        String relative = LakeLayout.relative(inputKey);
        assertThat(ingest.keys(LakeLayout.quarantine(relative))).containsExactly(LakeLayout.quarantine(relative));
        JsonNode report = json.readTree(ingest.read(LakeLayout.quarantine(LakeLayout.quarantineReportKey(relative))));
        assertThat(report.get("object").get("key").asText()).isEqualTo(relative);
        assertThat(report.get("object").get("problem").asText()).contains(problem);
    }
}
