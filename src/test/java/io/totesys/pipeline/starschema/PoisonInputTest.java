package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Extract objects that cannot be trusted are quarantined, each with a report that says
 * what is wrong and where, while the clean tables of the same batch are transformed: a
 * record that does not parse, a missing or an unexpected column, a wrong type, an empty
 * object, an object the manifest names that is not there. (A table the catalogue does not have
 * makes the whole manifest untrusted: DamagedManifestTest.) A 10 MB text value, past
 * {@code ETL_MAX_FIELD_LENGTH}, leaves only its row out, with a report of its own, and its
 * object goes on.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class PoisonInputTest {

    private static final String TIMESTAMPS = "\"2022-11-03 14:20:49.962\",\"2022-11-03 14:20:49.962\"";
    private static final String CRLF = "\r\n";
    private static final String TEN_MEGABYTES = "x".repeat(10 * 1024 * 1024);

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry metrics;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void eachKindOfPoisonIsQuarantinedWithItsReportWhileCleanTablesFlow() throws Exception {
        BatchId batch = BatchId.startingAt(Instant.parse("2026-11-26T01:00:00Z"));
        writeExtractBatch(batch, Map.of(
                "currency", header("currency") + "\"1\",\"GBP\"," + TIMESTAMPS + CRLF,
                "department", "\"department_id\",\"department_name\",\"location\",\"manager\",\"budget\","
                        + "\"created_at\",\"last_updated\"" + CRLF,
                "design", "\"design_id\",\"created_at\",\"design_name\",\"file_location\",\"last_updated\"" + CRLF,
                "sales_order", header("sales_order") + "\"1\",\"2022-11-03 14:20:52.186\",\"2022-11-03 14:20:52.186"
                        + "\",\"1\",\"1\",\"1\",\"100\",\"2.50\",\"1\",\"2022-11-10\",\"2022-11-11\",\"1\"" + CRLF
                        + "\"2\",\"2022-11-03 14:20:52.186\",\"oops\"broken\",\"1\"" + CRLF,
                "payment", header("payment") + payment(1, "100.00") + payment(2, "200.00") + payment(3, "12.3.4"),
                "address", "",
                "staff", header("staff") + "\"1\",\"Jeremie\",\"Franey\",\"1\",\"" + TEN_MEGABYTES + "\","
                        + TIMESTAMPS + CRLF),
                List.of("transaction"));

        double quarantinedBefore = quarantinedPayments();
        PipelineStages.run(producer, PipelineStage.TRANSFORM);

        assertThat(quarantinedPayments() - quarantinedBefore).as("metric of quarantined payment objects").isEqualTo(1);
        assertThat(processed.tableParts("dim_currency")).hasSize(1);
        assertThat(processed.keys(LakeLayout.TABLES + "/")).as("no part of a quarantined table is published")
                .noneMatch(key -> key.contains("fact_sales_order") || key.contains("fact_payment")
                        || key.contains("dim_design") || key.contains("dim_location"));
        assertThat(ingest.keys("input/")).isEmpty();
        assertThat(ingest.keys("processed/")).containsExactlyInAnyOrder(
                "processed/" + LakeLayout.dataKey("currency", batch, "csv"),
                "processed/" + LakeLayout.dataKey("staff", batch, "csv"),
                "processed/" + LakeLayout.manifestKey(batch));

        assertQuarantined(batch, "department", 0, null, "unexpected [budget]");
        assertQuarantined(batch, "design", 0, null, "missing [file_name]");
        assertQuarantined(batch, "sales_order", 1, null, "does not parse");
        assertQuarantined(batch, "payment", 3, "payment_amount", "'12.3.4' is not a valid numeric(10,2)");
        assertQuarantined(batch, "address", 0, null, "empty");
        String staffRow = LakeLayout.rowQuarantineReportKey(LakeLayout.dataKey("staff", batch, "csv"), 1);
        assertThat(ingest.keys("quarantine/staff/")).as("the row's report, not its object")
                .containsExactly("quarantine/" + staffRow);
        JsonNode staff = json.readTree(ingest.read("quarantine/" + staffRow)).get("object");
        assertThat(staff.get("row").asLong()).isEqualTo(1);
        assertThat(staff.get("rowKey").asInt()).isEqualTo(1);
        assertThat(staff.get("column").asText()).isEqualTo("email_address");
        assertThat(staff.get("problem").asText()).contains("10485760 characters long, more than ETL_MAX_FIELD_LENGTH");
        assertReported(batch, "transaction", 0, null, "the manifest names it, but it does not exist");
        assertThat(ingest.keys("quarantine/transaction/")).as("nothing to quarantine but the report")
                .containsExactly("quarantine/" + LakeLayout.quarantineReportKey(LakeLayout.dataKey("transaction", batch,
                        "csv")));

        BatchManifest manifest = json.readValue(processed.read("input/" + LakeLayout.manifestKey(batch)),
                BatchManifest.class);
        assertThat(manifest.quarantined()).extracting(BatchManifest.Quarantined::table)
                .containsExactlyInAnyOrder("department", "design", "sales_order", "payment", "address", "staff",
                        "transaction");
    }

    private double quarantinedPayments() {
        Counter counter = metrics.find("pipeline.quarantined.objects").tags("stage", "transform", "table", "payment")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private void assertQuarantined(BatchId batch, String table, long row, String column, String problem)
            throws Exception {
        String key = LakeLayout.dataKey(table, batch, "csv");
        assertThat(ingest.keys("quarantine/" + table + "/")).containsExactlyInAnyOrder(
                "quarantine/" + LakeLayout.quarantineReportKey(key), "quarantine/" + key);
        assertReported(batch, table, row, column, problem);
    }

    private void assertReported(BatchId batch, String table, long row, String column, String problem)
            throws Exception {
        String key = LakeLayout.dataKey(table, batch, "csv");
        JsonNode report = json.readTree(ingest.read("quarantine/" + LakeLayout.quarantineReportKey(key)));
        assertThat(report.get("batchId").asText()).isEqualTo(batch.value());
        JsonNode object = report.get("object");
        assertThat(object.get("table").asText()).isEqualTo(table);
        assertThat(object.get("row").asLong()).as("row of %s", table).isEqualTo(row);
        assertThat(object.get("column").isNull() ? null : object.get("column").asText()).isEqualTo(column);
        assertThat(object.get("problem").asText()).contains(problem);
    }

    private static String header(String table) {
        return io.totesys.pipeline.catalogue.SourceTable.byTableName(table).orElseThrow().columnNames().stream()
                .map(name -> "\"" + name + "\"").reduce((left, right) -> left + "," + right).orElseThrow() + CRLF;
    }

    private static String payment(int id, String amount) {
        return "\"" + id + "\",\"2022-11-03 14:20:52.186\",\"2022-11-03 14:20:52.186\",\"" + id + "\",\"1\",\""
                + amount + "\",\"1\",\"1\",\"false\",\"2022-11-09\",\"67305075\",\"31622269\"" + CRLF;
    }

    /**
     * Writes an extract batch by hand: its CSV objects under input/, then its manifest, which
     * gives each its true size, SHA-256 and record count, and also names an object for each
     * of the missing tables, never written.
     */
    private void writeExtractBatch(BatchId batch, Map<String, String> csvByTable, List<String> missingTables)
            throws Exception {
        List<BatchManifest.Entry> entries = new ArrayList<>();
        for (String table : missingTables) {
            entries.add(new BatchManifest.Entry(table, LakeLayout.dataKey(table, batch, "csv"), 1, 100, "0".repeat(64),
                    null));
        }
        for (Map.Entry<String, String> csv : csvByTable.entrySet()) {
            String key = LakeLayout.dataKey(csv.getKey(), batch, "csv");
            byte[] content = csv.getValue().getBytes(StandardCharsets.UTF_8);
            world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key("input/" + key),
                    RequestBody.fromBytes(content));
            entries.add(new BatchManifest.Entry(csv.getKey(), key, Math.max(0, csv.getValue().split(CRLF).length - 1),
                    content.length, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)),
                    null));
        }
        byte[] manifest = json.writeValueAsBytes(BatchManifest.extract(batch, Instant.now(), "2026-11-26 00:59:58.000")
                .objects(entries).build());
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET)
                .key("input/" + LakeLayout.manifestKey(batch)), RequestBody.fromBytes(manifest));
    }
}
