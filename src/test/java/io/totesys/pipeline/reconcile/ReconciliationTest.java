package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.extract.DeletedKeys;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineSchema;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.ExtractRuns;
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
 * Issue 12, point 4: reconciliation, with ToteSys read by a role with SELECT only. The lake
 * and the warehouse are made to drift behind the pipeline's back (changes committed before
 * the read horizon is moved past them, so that no batch can see them, and a key the lake holds
 * that ToteSys never had); reconciliation finds each difference, records it, repairs it by a
 * batch whose manifest says why, and the warehouse then equals ToteSys.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ReconciliationTest {

    private static final String MISMATCHED_ROWS = "pipeline.reconcile.mismatched.rows";
    private static final String QUARANTINED_ROWS = "pipeline.reconcile.quarantined.rows";

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry registry;

    @Inject
    CarriedColumns carried;

    @Inject
    ReconcileLog reconcileLog;

    @Inject
    ReconcileRequests reconcileRequests;

    @Inject
    PipelineSchema schema;

    @ConfigProperty(name = "quarkus.datasource.totesys.username")
    String toteSysUsername;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private ExtractRuns runs;

    /** What one run recorded of one table. */
    record Found(long compared, long pending, long missing, long extra, long changed, long adopted, long repaired,
            long quarantined) {

        long mismatched() {
            return missing + extra + changed;
        }
    }

    @BeforeEach
    void aSmallToteSysThroughThePipeline() {
        runs = new ExtractRuns(producer, json, ingest);
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 7).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    @Test
    void theExtractKeepsTheChecksumsSoThatReconciliationFindsToteSysAndTheLakeEqual() {
        assertThat(toteSysUsername).isEqualTo(DatabaseServer.READER);

        assertThat(reconcile()).as("no repair batch").isEmpty();

        Map<String, Found> found = lastRun();
        assertThat(found.keySet()).containsExactlyInAnyOrderElementsOf(SourceTable.tableNames());
        for (SourceTable table : SourceTable.values()) {
            long rows = SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM " + table.tableName());
            assertThat(found.get(table.tableName())).as(table.tableName())
                    .isEqualTo(new Found(rows, 0, 0, 0, 0, 0, 0, 0));
            assertThat(mismatchedRowsMetric(table)).as(table.tableName()).isZero();
        }
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.reconcile_run WHERE finished_at IS NULL")).isZero();
    }

    @Test
    void driftBehindThePipelinesBackIsFoundRecordedRepairedByAFlaggedBatchAndLoaded() {
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1000 WHERE sales_order_id = 1",
                "UPDATE department SET location = 'Harrogate' WHERE department_id = 2");
        int design = (int) SqlRows.count(world.totesysOwner(), """
                INSERT INTO design (design_name, file_location, file_name)
                VALUES ('Granite', '/usr/share', 'granite-20221104.json') RETURNING design_id""");
        String committed = committedSnapshot();
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'",
                "INSERT INTO pipeline.source_row_checksum VALUES ('currency', 999, md5('gone')::uuid)");
        assertThat(extractBatch()).as("a batch cannot see what is inside its read horizon").isEmpty();
        String horizon = readHorizon();

        BatchManifest repair = reconcile().orElseThrow();

        Map<String, Found> found = lastRun();
        assertThat(found.get("sales_order")).extracting(Found::changed, Found::missing, Found::extra, Found::repaired)
                .containsExactly(1L, 0L, 0L, 1L);
        assertThat(found.get("department")).extracting(Found::changed, Found::missing, Found::extra, Found::repaired)
                .containsExactly(1L, 0L, 0L, 1L);
        assertThat(found.get("design")).extracting(Found::changed, Found::missing, Found::extra, Found::repaired)
                .containsExactly(0L, 1L, 0L, 1L);
        assertThat(found.get("currency")).extracting(Found::changed, Found::missing, Found::extra, Found::repaired)
                .containsExactly(0L, 0L, 1L, 1L);
        found.forEach((table, row) -> {
            if (!List.of("sales_order", "department", "design", "currency").contains(table)) {
                assertThat(row.mismatched()).as(table).isZero();
            }
        });
        assertThat(repair.repair()).isTrue();
        assertThat(repair.repairReasons())
                .extracting(BatchManifest.RepairReason::table, BatchManifest.RepairReason::missing,
                        BatchManifest.RepairReason::extra, BatchManifest.RepairReason::changed)
                .containsExactlyInAnyOrder(tuple("currency", 0L, 1L, 0L),
                        tuple("department", 0L, 0L, 1L),
                        tuple("design", 1L, 0L, 0L),
                        tuple("sales_order", 0L, 0L, 1L));
        assertThat(ids(repair, "sales_order")).containsExactly(1);
        assertThat(ids(repair, "department")).containsExactly(2);
        assertThat(ids(repair, "design")).containsExactly(design);
        assertThat(deletedIds(repair, "currency")).containsExactly(999);
        assertThat(repair.changesSince()).as("the read horizon it repairs within").isEqualTo(horizon);
        for (SourceTable table : SourceTable.values()) {
            assertThat(mismatchedRowsMetric(table)).as(table.tableName()).isZero();
        }
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.extract_watermark WHERE read_horizon <> '" + horizon + "'"))
                .as("the watermarks stay where they were").isZero();

        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);

        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName())
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
        assertThat(lastRun().values()).allSatisfy(row -> assertThat(row.mismatched()).isZero());
    }

    @Test
    void aLakeFromBeforeTheChecksumsIsAdoptedOnceAndDriftIsFoundFromThen() {
        DatabaseServer.execute(world.databases().warehouse(), "TRUNCATE pipeline.source_row_checksum");

        assertThat(reconcile()).isEmpty();
        long rows = SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM payment");
        assertThat(lastRun().get("payment")).isEqualTo(new Found(rows, 0, 0, 0, 0, rows, 0, 0));

        DatabaseServer.execute(world.totesysOwner(), "UPDATE payment SET paid = NOT paid WHERE payment_id = 3");
        String committed = committedSnapshot();
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'");
        BatchManifest repair = reconcile().orElseThrow();
        assertThat(ids(repair, "payment")).containsExactly(3);
        assertThat(lastRun().get("payment")).isEqualTo(new Found(rows, 0, 0, 0, 1, 0, 1, 0));
    }

    /**
     * Rows a batch's deletion check finds in ToteSys but never extracted (the count of a
     * table with a delete is short of what the lake holds, and rows appeared inside the read
     * horizon): their keys are taken in at once, and reconciliation finds them missing.
     */
    @Test
    void keysTakenInWithoutTheirRowsAreFoundMissing() throws Exception {
        int deleted = (int) SqlRows.count(world.totesysOwner(), "SELECT min(payment_id) FROM payment");
        DatabaseServer.execute(world.totesysOwner(), """
                WITH added AS (INSERT INTO transaction (transaction_type) VALUES ('SALE'), ('SALE')
                               RETURNING transaction_id)
                INSERT INTO payment (transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id,
                                     paid, payment_date, company_ac_number, counterparty_ac_number)
                SELECT transaction_id, 1, 10.00, 1, 1, false, '2022-11-10', 1, 2 FROM added""",
                "DELETE FROM payment WHERE payment_id = " + deleted);
        List<Integer> added = SqlRows.of(world.totesysOwner(),
                "SELECT payment_id FROM payment ORDER BY payment_id DESC LIMIT 2").stream()
                .map(id -> Integer.parseInt(id.substring(1, id.length() - 1))).sorted().toList();
        String committed = committedSnapshot();
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'");
        List<Integer> deletions = new ArrayList<>();
        // polled as the stage's timer would: PostgreSQL's statistics count the delete within a second
        Awaitility.await("the delete reaches the lake").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    extractBatch().ifPresent(manifest -> {
                        assertThat(ids(manifest, "payment")).isEmpty();
                        deletions.addAll(deletedIds(manifest, "payment"));
                    });
                    return !deletions.isEmpty();
                });
        assertThat(deletions).containsExactly(deleted);

        BatchManifest repair = reconcile().orElseThrow();

        assertThat(ids(repair, "payment")).containsExactlyElementsOf(added);
        assertThat(lastRun().get("payment")).extracting(Found::missing, Found::changed, Found::extra, Found::repaired)
                .containsExactly(2L, 0L, 0L, 2L);
        assertThat(lastRun().get("transaction")).extracting(Found::missing, Found::repaired).containsExactly(2L, 2L);
    }

    /**
     * Issue 25 point 3: rows ToteSys has that were never extracted, found by a poll that is
     * otherwise empty (here a {@code DELETE} rolled back moves the deletion counter; a restart
     * or {@code track_counts} off does the same). Their keys go into the key ranges the lake
     * holds, and their checksums into the mirror as never extracted, so that reconciliation
     * finds them missing and reads them again, instead of adopting ToteSys's rows as the lake's.
     */
    @Test
    void keysTakenInByAnOtherwiseEmptyPollAreFoundMissingNotAdopted() {
        DatabaseServer.execute(world.totesysOwner(), """
                INSERT INTO design (design_name, file_location, file_name)
                VALUES ('Granite', '/usr/share', 'granite-20221104.json'),
                       ('Basalt', '/usr/share', 'basalt-20221104.json')""");
        List<Integer> added = SqlRows.of(world.totesysOwner(),
                "SELECT design_id FROM design ORDER BY design_id DESC LIMIT 2").stream()
                .map(id -> Integer.parseInt(id.substring(1, id.length() - 1))).sorted().toList();
        String committed = committedSnapshot();
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'");
        DatabaseServer.execute(world.totesysOwner(), "BEGIN",
                "DELETE FROM design WHERE design_id = " + added.get(0), "ROLLBACK");
        try (CapturedLog log = CapturedLog.of(DeletedKeys.class)) {
            Awaitility.await("the poll that takes the keys in").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).until(() -> {
                        assertThat(extractBatch()).as("an otherwise empty poll").isEmpty();
                        return log.lines().stream().anyMatch(line -> line.contains("2 keys of design"));
                    });
        }

        Optional<BatchManifest> repair = reconcile();

        assertThat(lastRun().get("design")).extracting(Found::missing, Found::adopted, Found::repaired)
                .containsExactly(2L, 0L, 2L);
        assertThat(ids(repair.orElseThrow(), "design")).containsExactlyElementsOf(added);
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
    }

    /**
     * Issue 25 point 3: a key of zero or below is compared like any other. An application
     * that writes its own keys may write them; a row with one that no batch saw is missing, a
     * key the lake holds that ToteSys lacks is extra.
     */
    @Test
    void keysOfZeroAndBelowAreCompared() {
        DatabaseServer.execute(world.totesysOwner(),
                "INSERT INTO currency (currency_id, currency_code) VALUES (-70000, 'CHF'), (0, 'JPY')");
        String committed = committedSnapshot();
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'",
                "INSERT INTO pipeline.source_row_checksum VALUES ('currency', -7, md5('gone')::uuid)");

        Optional<BatchManifest> repair = reconcile();

        assertThat(lastRun().get("currency")).extracting(Found::missing, Found::extra, Found::repaired)
                .containsExactly(2L, 1L, 3L);
        assertThat(ids(repair.orElseThrow(), "currency")).containsExactly(-70000, 0);
        assertThat(deletedIds(repair.orElseThrow(), "currency")).containsExactly(-7);
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
    }

    /**
     * Issue 25 point 3: rows the lake holds only in quarantine are not in the warehouse, and
     * reconciliation says so per table, apart from the rows that agree, until the batch is
     * replayed. They are not read again: the operator fixes and replays them.
     */
    @Test
    void rowsTheLakeHoldsOnlyInQuarantineAreCountedApartUntilReplayed() {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 9);
        simulator.newSalesOrder();
        simulator.newSalesOrder();
        BatchManifest batch = extractBatch().orElseThrow();
        String salesOrder = batch.objects().stream().filter(entry -> entry.table().equals("sales_order"))
                .findFirst().orElseThrow().key();
        byte[] original = ingest.readBytes(LakeLayout.input(salesOrder));
        put(LakeLayout.input(salesOrder), new String(original, StandardCharsets.UTF_8).replace("\r\n", "\n"));
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        assertThat(ingest.keys(LakeLayout.quarantine(salesOrder))).as("the changed object, quarantined").hasSize(1);

        assertThat(reconcile()).as("nothing ToteSys could repair").isEmpty();

        assertThat(lastRun().get("sales_order")).extracting(Found::quarantined, Found::mismatched)
                .containsExactly(2L, 0L);
        assertThat(lastRun().get("payment").quarantined()).isZero();
        assertThat(registry.get(QUARANTINED_ROWS).tag("table", "sales_order").gauge().value()).isEqualTo(2);

        put(LakeLayout.quarantine(salesOrder), new String(original, StandardCharsets.UTF_8));
        DatabaseServer.execute(world.databases().warehouse(),
                "INSERT INTO pipeline.replay_request (batch_id) VALUES ('" + batch.batchId() + "')");
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        assertThat(reconcile()).isEmpty();

        assertThat(lastRun().get("sales_order").quarantined()).as("once replayed").isZero();
        assertThat(registry.get(QUARANTINED_ROWS).tag("table", "sales_order").gauge().value()).isZero();
    }

    /**
     * Issue 25 point 3: a column the star schema carries beyond the catalogue
     * ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS}) is in the row's checksum, so that a change to it
     * that no batch saw is found and repaired. The first run after the setting names it reads
     * the table's rows again once: the checksums the lake's mirror holds did not cover it.
     */
    @Test
    void aCarriedColumnIsInTheChecksum() {
        long designs = SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM design");
        DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE design ADD COLUMN note text");
        carried.carry(Map.of(SourceTable.DESIGN, List.of("note")));
        try {
            assertThat(reconcile()).as("the rows read again under the new checksum").isPresent();
            assertThat(lastRun().get("design")).extracting(Found::changed, Found::repaired)
                    .containsExactly(designs, designs);
            assertThat(reconcile()).as("nothing left to repair").isEmpty();

            long updates = designUpdatesCounted();
            DatabaseServer.execute(world.totesysOwner(), "UPDATE design SET note = 'drift' WHERE design_id = 1");
            // a table found equal is read again once its statistics counters move (issue 26)
            Awaitility.await("the update counted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> designUpdatesCounted() > updates);
            String committed = committedSnapshot();
            DatabaseServer.execute(world.databases().warehouse(),
                    "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'");
            Optional<BatchManifest> repair = reconcile();

            assertThat(lastRun().get("design")).extracting(Found::changed, Found::repaired).containsExactly(1L, 1L);
            assertThat(ids(repair.orElseThrow(), "design")).containsExactly(1);
        } finally {
            carried.carry(Map.of());
            ToteSysFixture.reset(world);
            DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE design DROP COLUMN IF EXISTS note");
        }
    }

    private long designUpdatesCounted() {
        return SqlRows.count(world.databases().superuser(DatabaseServer.TOTESYS_DATABASE),
                "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'design'");
    }

    @Test
    void rowsWrittenSinceTheLastBatchAreLeftToTheNextOne() {
        ToteSysSimulator.NewOrder order = new ToteSysSimulator(world.totesysOwner(), 8).newSalesOrder();
        DatabaseServer.execute(world.totesysOwner(), "UPDATE currency SET currency_code = 'CHF' WHERE currency_id = 1");

        assertThat(reconcile()).isEmpty();

        assertThat(lastRun().get("sales_order").pending()).isEqualTo(1);
        assertThat(lastRun().get("currency").pending()).isEqualTo(1);
        assertThat(lastRun().values()).allSatisfy(row -> assertThat(row.mismatched()).isZero());
        assertThat(ids(extractBatch().orElseThrow(), "sales_order")).containsExactly(order.orderId());
    }

    /**
     * {@code ETL_RECONCILE_INTERVAL=0}: never due, whatever the log says, until an operator asks
     * for a reconciliation ({@code reconcile}, a row in {@code pipeline.reconcile_request}).
     */
    @Test
    void anIntervalOfZeroTurnsReconciliationOffButAnOperatorsRequestIsDue() {
        PipelineSettings off = (PipelineSettings) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PipelineSettings.class}, (proxy, method, arguments) -> "0");
        Reconciliations reconciliations = new Reconciliations(null, null, null, null, null, reconcileLog, schema,
                null, off, Clock.systemUTC(), null, null, null, reconcileRequests, null);
        assertThat(reconciliations.due()).isFalse();

        DatabaseServer.execute(world.databases().warehouse(), "INSERT INTO pipeline.reconcile_request DEFAULT VALUES");
        assertThat(reconciliations.due()).as("asked for").isTrue();

        reconcile();
        assertThat(SqlRows.column(world.databases().warehouse(), "SELECT request.run_id = run.run_id AND "
                + "request.outcome LIKE 'Reconciliation ' || run.run_id || ' compared % ToteSys and the lake agree; "
                + "the warehouse''s current views % hold what ToteSys says' "
                + "FROM pipeline.reconcile_request request, (SELECT max(run_id) AS run_id FROM pipeline.reconcile_run) run"))
                .as("the request closed with the run that answered it and what it found").containsExactly("t");
        assertThat(reconciliations.due()).as("answered").isFalse();
    }

    /** Runs the reconciliation route as if the interval had passed; returns the repair batch's manifest, if any. */
    private Optional<BatchManifest> reconcile() {
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'",
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '1 day'");
        return newManifest(Reconciliations.ENDPOINT);
    }

    private Optional<BatchManifest> extractBatch() {
        return newManifest(PipelineStage.EXTRACT.endpointUri());
    }

    private Optional<BatchManifest> newManifest(String endpoint) {
        return runs.runThrough(endpoint).map(ExtractRuns.Published::manifest);
    }

    /** ToteSys's snapshot once every change so far is committed: a read horizon that holds them all. */
    private String committedSnapshot() {
        return SqlRows.text(world.totesysOwner(), "SELECT pg_current_snapshot()::text");
    }

    /** The read horizon every table was read up to. */
    private String readHorizon() {
        return SqlRows.text(world.databases().warehouse(), "SELECT min(read_horizon) FROM pipeline.extract_watermark");
    }

    /** What the latest run recorded of each ToteSys table compared with the lake. */
    private Map<String, Found> lastRun() {
        Map<String, Found> found = new LinkedHashMap<>();
        SqlRows.of(world.databases().warehouse(), """
                SELECT table_name, compared, pending, missing, extra, changed, adopted, repaired, quarantined
                  FROM pipeline.reconcile_run
                 WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)
                   AND compared_with = 'lake'""").forEach(line -> {
            String[] values = line.substring(1, line.length() - 1).split(",");
            found.put(values[0], new Found(Long.parseLong(values[1]), Long.parseLong(values[2]),
                    Long.parseLong(values[3]), Long.parseLong(values[4]), Long.parseLong(values[5]),
                    Long.parseLong(values[6]), Long.parseLong(values[7]), Long.parseLong(values[8])));
        });
        return found;
    }

    private double mismatchedRowsMetric(SourceTable table) {
        return registry.get(MISMATCHED_ROWS).tag("table", table.tableName()).gauge().value();
    }

    private List<Integer> ids(BatchManifest manifest, String table) {
        return runs.ids(manifest, table);
    }

    private void put(String key, String content) {
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(key),
                RequestBody.fromString(content, StandardCharsets.UTF_8));
    }

    private List<Integer> deletedIds(BatchManifest manifest, String table) {
        return runs.deletedIds(manifest, table);
    }
}
