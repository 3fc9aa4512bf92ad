package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.ServiceReadiness;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * ToteSys changes its tables under the packaged service, which reads it as a SELECT-only
 * role (issue 16), in one sequence: a column is added (the lake carries it, the change is
 * said once), a column the star schema needs is renamed (only its table waits, under
 * {@code hold-pipeline} everything does), renamed back (its table resumes, nothing lost),
 * widened (passes; a value that no longer fits is quarantined, not truncated).
 */
class SchemaDriftIT {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void seedToteSys() {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 16).seed(0.01);
    }

    /** Puts sales_order back as docs/architecture.md#source-schema has it, for the tests that share this world. */
    @AfterEach
    void restoreToteSys() {
        ToteSysFixture.reset(world);
        toteSys("ALTER TABLE sales_order DROP COLUMN IF EXISTS discount_percent",
                "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'sales_order' "
                        + "AND column_name = 'units_count') THEN "
                        + "ALTER TABLE sales_order RENAME COLUMN units_count TO units_sold; END IF; END $$",
                "ALTER TABLE sales_order ALTER COLUMN units_sold TYPE integer");
    }

    @Test
    void toteSysChangesItsTablesAndThePipelineNeitherLosesDataNorStops() throws Exception {
        String baseline = runOnce(Map.of(), 0);
        assertThat(baseline).doesNotContain("ToteSys added", "Extract holds");

        // 1. An added column: carried into the lake, said once; the star schema is unchanged.
        toteSys("ALTER TABLE sales_order ADD COLUMN discount_percent numeric(5,2)",
                "UPDATE sales_order SET discount_percent = 12.5, last_updated = now() WHERE sales_order_id = 1");
        String added = runOnce(Map.of(), 0);
        assertThat(added).contains("WARN", "ToteSys added the column sales_order.discount_percent (numeric(5,2)): "
                + "the lake carries it");
        String addedBatch = latestBatch();
        List<String> salesOrders = csv("sales_order", addedBatch);
        assertThat(salesOrders.get(0)).endsWith("\"last_updated\",\"design_id\",\"staff_id\",\"counterparty_id\","
                + "\"units_sold\",\"unit_price\",\"currency_id\",\"agreed_delivery_date\",\"agreed_payment_date\","
                + "\"agreed_delivery_location_id\",\"discount_percent\"");
        assertThat(salesOrders.get(1)).startsWith("\"1\",").endsWith(",\"12.50\"");
        JsonNode schema = tableSchema(addedBatch, "sales_order");
        assertThat(schema.get("columns").get(12).toString())
                .isEqualTo("{\"name\":\"discount_percent\",\"type\":\"numeric(5,2)\"}");
        assertThat(schema.get("fingerprint").asText()).startsWith("sha256:").hasSize(71);
        assertThat(strings(world.databases().warehouse(), "SELECT table_name || ' ' || change || ' ' "
                + "|| column_name || ' ' || new_type || ' ' || batch_id FROM pipeline.source_schema_change"))
                .containsExactly("sales_order added discount_percent numeric(5,2) " + addedBatch);
        assertThat(versions("fact_sales_order", "sales_order_id", 1)).as("the edit reached the warehouse")
                .isEqualTo(2);

        // 2. A renamed column the star schema needs: only sales_order waits, the service stays ready...
        toteSys("ALTER TABLE sales_order RENAME COLUMN units_sold TO units_count",
                "UPDATE sales_order SET units_count = 4242, last_updated = now() WHERE sales_order_id = 2",
                "UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id = 1");
        String salesOrderHorizon = readHorizon("sales_order");
        String paymentHorizon = readHorizon("payment");
        int port = FreePort.find();
        Map<String, String> environment = environment(Map.of("ETL_RUN_ONCE", "false", "ETL_HTTP_PORT",
                String.valueOf(port), "ETL_POLL_INTERVAL", "1s", "ETL_HEALTH_CHECK_INTERVAL", "1s"));
        Instant started = Instant.now();
        try (PipelineService service = PipelineService.start(environment, log())) {
            await(() -> versions("fact_payment", "payment_id", 1) == 2, "the payment edit in the warehouse",
                    service);
            System.out.printf("[schema-drift] sales_order held; the payment edit in the warehouse %.1f s after the "
                    + "service started%n", Duration.between(started, Instant.now()).toMillis() / 1000.0);
            String readiness = new ServiceReadiness(port, service::output).await(Duration.ofSeconds(30), 200,
                    "\"held sales_order\": \"sales_order: its column units_sold, which the star schema needs, is "
                            + "missing (columns ToteSys has that the catalogue does not: units_count integer, "
                            + "discount_percent numeric(5,2))");
            assertThat(readiness).contains("\"status\": \"UP\"");
            String metrics = get(port, "/q/metrics");
            assertThat(metricLine(metrics, "pipeline_schema_held_tables")).endsWith(" 1.0");
            assertThat(metricLine(metrics, "pipeline_schema_held{table=\"sales_order\"")).endsWith(" 1.0");
            assertThat(metricLine(metrics, "pipeline_schema_changes_total{table=\"sales_order\""))
                    .endsWith(" 1.0");
            assertThat(service.output()).contains("WARN",
                    "ToteSys renamed the column sales_order.units_sold to units_count (integer)", "ERROR",
                    "Extract holds sales_order: its column units_sold",
                    "restore the column in ToteSys, or deploy a release whose catalogue maps the new one");
        }
        assertThat(readHorizon("payment")).isNotEqualTo(paymentHorizon);
        assertThat(versions("fact_sales_order", "sales_order_id", 2)).isEqualTo(1);

        // ... and under hold-pipeline the whole extract waits, and a run-once run fails.
        toteSys("UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id = 2");
        paymentHorizon = readHorizon("payment");
        String heldPipeline = runOnce(Map.of("ETL_SCHEMA_CHANGE_POLICY", "hold-pipeline"), 1);
        assertThat(heldPipeline).as("each change is said once").doesNotContain("ToteSys renamed");
        assertThat(heldPipeline).contains("Run once failed at the extract stage: Extract holds every table "
                + "(ETL_SCHEMA_CHANGE_POLICY=hold-pipeline) for sales_order: its column units_sold, which the star "
                + "schema needs, is missing");
        assertThat(versions("fact_payment", "payment_id", 2)).isEqualTo(1);
        assertThat(readHorizon("payment")).isEqualTo(paymentHorizon);
        assertThat(readHorizon("sales_order")).as("sales_order's position stays").isEqualTo(salesOrderHorizon);

        // 3. The column comes back: sales_order resumes from where it stopped, nothing lost.
        toteSys("ALTER TABLE sales_order RENAME COLUMN units_count TO units_sold");
        String resumed = runOnce(Map.of(), 0);
        assertThat(resumed).contains("ToteSys renamed the column sales_order.units_count to units_sold",
                "Extract resumes sales_order");
        assertThat(strings(world.databases().warehouse(), "SELECT units_sold::text FROM fact_sales_order "
                + "WHERE sales_order_id = 2 ORDER BY sales_record_id")).endsWith("4242");
        assertThat(versions("fact_payment", "payment_id", 2)).isEqualTo(2);
        assertEverySalesOrderVersionIsInTheLakeOnce();

        // 4. A widening passes with a WARN; a value that no longer fits is quarantined, not truncated.
        toteSys("ALTER TABLE sales_order ALTER COLUMN units_sold TYPE bigint",
                "UPDATE sales_order SET units_sold = 77, last_updated = now() WHERE sales_order_id = 3");
        String widened = runOnce(Map.of(), 0);
        assertThat(widened).contains("ToteSys changed the type of sales_order.units_sold from integer to bigint",
                "the star schema takes it").doesNotContain("Extract holds");
        assertThat(strings(world.databases().warehouse(), "SELECT units_sold::text FROM fact_sales_order "
                + "WHERE sales_order_id = 3 ORDER BY sales_record_id")).endsWith("77");
        toteSys("UPDATE sales_order SET units_sold = 3000000000, last_updated = now() WHERE sales_order_id = 4");
        String tooLarge = runOnce(Map.of(), 0);
        assertThat(tooLarge).contains("quarantined sales_order", "'3000000000' is not a valid integer");
        assertThat(csv("sales_order", latestBatch())).as("the lake keeps the value whole")
                .anySatisfy(record -> assertThat(record).contains("\"3000000000\""));
        assertThat(strings(world.databases().warehouse(), "SELECT units_sold::text FROM fact_sales_order "
                + "WHERE sales_order_id = 4")).doesNotContain("3000000000", "2147483647");
        // Through every change, held table and quarantine, the lake's tables hold what the warehouse holds.
        IcebergTables.assertEqualTheWarehouse(world);
    }

    private String runOnce(Map<String, String> changes, int expectedExitCode) throws Exception {
        Instant started = Instant.now();
        PipelineService service = PipelineService.start(environment(changes), log());
        int exitCode = service.awaitExit(RUN_TIMEOUT);
        assertThat(exitCode).as("exit code; output:%n%s", service.output()).isEqualTo(expectedExitCode);
        System.out.printf("[schema-drift] run-once %s exited %d after %.1f s%n", changes, exitCode,
                Duration.between(started, Instant.now()).toMillis() / 1000.0);
        return service.output();
    }

    private Map<String, String> environment(Map<String, String> changes) {
        Map<String, String> environment = world.runOnceEnvironment();
        environment.putAll(changes);
        return environment;
    }

    private static Path log() throws IOException {
        return Files.createTempFile(Path.of("target"), "schema-drift-", ".log");
    }

    private void toteSys(String... statements) {
        DatabaseServer.execute(world.totesysOwner(), statements);
    }

    /** The id of the newest extract batch, from its manifest's key. */
    private String latestBatch() {
        List<String> manifests = ingest.keys("").stream().filter(key -> key.contains("/_manifests/"))
                .map(key -> key.substring(key.lastIndexOf('/') + 1, key.length() - ".json".length())).sorted()
                .toList();
        return manifests.get(manifests.size() - 1);
    }

    /** The lines of a table's CSV object in a batch, wherever it is now, quarantine included. */
    private List<String> csv(String table, String batchId) {
        String key = ingest.keys("").stream()
                .filter(candidate -> candidate.contains("/" + table + "/") && !candidate.contains("/_deletions/")
                        && candidate.endsWith(batchId + ".csv"))
                .findFirst().orElseThrow(() -> new AssertionError("no " + table + " object in batch " + batchId));
        return ingest.read(key).lines().toList();
    }

    private JsonNode tableSchema(String batchId, String table) throws IOException {
        String key = ingest.keys("").stream().filter(candidate -> candidate.endsWith(batchId + ".json")).findFirst()
                .orElseThrow();
        for (JsonNode schema : json.readTree(ingest.read(key)).get("schemas")) {
            if (schema.get("table").asText().equals(table)) {
                return schema;
            }
        }
        throw new AssertionError("the manifest of " + batchId + " records no schema of " + table);
    }

    private long versions(String fact, String idColumn, int id) {
        return SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM " + fact + " WHERE " + idColumn + " = " + id);
    }

    private String readHorizon(String table) {
        return strings(world.databases().warehouse(),
                "SELECT read_horizon FROM pipeline.extract_watermark WHERE table_name = '" + table + "'").get(0);
    }

    /** Every current sales order version is in the lake, and no version twice. */
    private void assertEverySalesOrderVersionIsInTheLakeOnce() {
        List<String> lake = ingest.extractedRowVersions().stream().filter(row -> row.startsWith("sales_order "))
                .toList();
        assertThat(new HashSet<>(lake)).as("no version twice").hasSize(lake.size());
        assertThat(lake).containsAll(strings(world.totesysOwner(), "SELECT 'sales_order ' || sales_order_id "
                + "|| ' ' || to_char(last_updated, 'YYYY-MM-DD HH24:MI:SS.MS') FROM sales_order"));
    }

    /** The first column of each row a query returns, in its order. */
    private static List<String> strings(DataSource dataSource, String query) {
        List<String> values = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + e.getMessage() + "\n" + query, e);
        }
    }

    private static void await(BooleanSupplier condition, String what, PipelineService service) {
        Eventually.holds(what, RUN_TIMEOUT, condition::getAsBoolean, () -> "service output:\n" + service.output());
    }

    private static String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    /** The Prometheus line of a metric whose name and labels start as given. */
    private static String metricLine(String metrics, String start) {
        return metrics.lines().filter(line -> line.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + start + " in\n" + metrics));
    }
}
