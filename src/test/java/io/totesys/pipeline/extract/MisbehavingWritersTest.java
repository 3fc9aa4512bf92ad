package io.totesys.pipeline.extract;

import static io.totesys.pipeline.testing.SqlRows.execute;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.DuckDb;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysAudit;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.testing.WarehouseAudit;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * ToteSys as real writers treat it, read by a role with SELECT only (no
 * {@code pg_read_all_stats}): transactions open for a minute that commit rows with old
 * {@code last_updated} values, transactions that write long after they began and inside
 * savepoints, edits that keep their stamp, clocks that are off, deletes. After each, the
 * audit trail of every committed row version ({@link ToteSysAudit}) says the lake holds
 * every version a batch's snapshot saw, once, and every delete.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class MisbehavingWritersTest {

    private static final String LATE_ORDER = """
            INSERT INTO sales_order (created_at, last_updated, design_id, staff_id, counterparty_id, units_sold,
                                     unit_price, currency_id, agreed_delivery_date, agreed_payment_date,
                                     agreed_delivery_location_id)
            VALUES ('2022-11-04 10:00:00', '%s', 1, 1, 1, %d, 2.50, 1, '2022-11-10', '2022-11-12', 1)
            RETURNING sales_order_id""";

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "quarkus.datasource.totesys.username")
    String toteSysUsername;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private ExtractRuns extract;
    private ToteSysSimulator simulator;

    @BeforeEach
    void aSmallToteSysUnderAudit() {
        ToteSysFixture.reset(world);
        ToteSysAudit.install(world);
        extract = new ExtractRuns(producer, json, ingest);
        simulator = new ToteSysSimulator(world.totesysOwner(), 12);
        simulator.seed(0.01);
        runBatch().orElseThrow();
    }

    @Test
    void theExtractorHasNothingButSelect() {
        assertThat(toteSysUsername).isEqualTo(DatabaseServer.READER);
        assertThat(SqlRows.count(world.databases().superuser(DatabaseServer.TOTESYS_DATABASE), """
                SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
                 WHERE r.rolname = '%s'""".formatted(DatabaseServer.READER)))
                .as("roles granted to the reader, pg_read_all_stats among them").isZero();
    }

    /**
     * docs/architecture.md#extract-what-a-batch-reads and issue 12, point 1: a transaction open across twenty polls,
     * ten times the old safety margin, with stamps older than every poll.
     */
    @Test
    void aTransactionOpenForTwentyPollsWithOldStampsReachesTheLakeOnce() throws Exception {
        int lateOrder;
        List<Integer> editedLate;
        try (Connection writer = world.totesysOwner().getConnection()) {
            writer.setAutoCommit(false);
            lateOrder = insertReturningId(writer, LATE_ORDER.formatted("2022-11-04 10:00:00", 4242));
            editedLate = List.of(
                    (int) SqlRows.count(world.totesysOwner(), "SELECT min(payment_id) FROM payment WHERE paid"),
                    (int) SqlRows.count(world.totesysOwner(), "SELECT max(payment_id) FROM payment WHERE paid"));
            execute(writer, "UPDATE payment SET payment_amount = payment_amount + 1 WHERE payment_id IN ("
                    + editedLate.get(0) + ", " + editedLate.get(1) + ")"); // the simulator only changes unpaid ones
            Instant commitAt = Instant.now().plusSeconds(20);
            while (Instant.now().isBefore(commitAt)) {
                simulator.change();
                runBatch().ifPresent(manifest -> assertThat(extract.ids(manifest, "sales_order"))
                        .as("the open transaction's order").doesNotContain(lateOrder));
                Thread.sleep(1_000); // the poll interval: the writer keeps its transaction open meanwhile
            }
            writer.commit();
        }

        BatchManifest manifest = runBatch().orElseThrow();
        assertThat(extract.ids(manifest, "sales_order")).contains(lateOrder);
        assertThat(extract.ids(manifest, "payment")).containsAll(editedLate);
        runBatch().ifPresent(next -> assertThat(extract.ids(next, "sales_order")).doesNotContain(lateOrder));
        ToteSysAudit.check(world).assertNone();
        loadPending();
        WarehouseAudit.check(world).assertNone();
    }

    /**
     * Issue 12, point 1: a transaction that began before a poll and writes only after it,
     * partly inside a savepoint (a subtransaction, whose id {@code pg_current_snapshot()}
     * does not list while its parent is open).
     */
    @Test
    void aTransactionThatWritesLongAfterItBeganAndInASavepointReachesTheLakeOnce() throws Exception {
        int outside;
        int inSavepoint;
        try (Connection writer = world.totesysOwner().getConnection()) {
            writer.setAutoCommit(false);
            execute(writer, "SELECT count(*) FROM sales_order");
            simulator.change();
            runBatch();
            outside = insertReturningId(writer, LATE_ORDER.formatted("2022-11-05 10:00:00", 101));
            execute(writer, "SAVEPOINT inner_work");
            inSavepoint = insertReturningId(writer, LATE_ORDER.formatted("2022-11-05 10:00:00", 102));
            execute(writer, "RELEASE SAVEPOINT inner_work");
            simulator.change();
            runBatch().ifPresent(manifest -> assertThat(extract.ids(manifest, "sales_order")).doesNotContain(outside,
                    inSavepoint));
            simulator.change();
            runBatch().ifPresent(manifest -> assertThat(extract.ids(manifest, "sales_order")).doesNotContain(outside,
                    inSavepoint));
            writer.commit();
        }

        assertThat(extract.ids(runBatch().orElseThrow(), "sales_order")).contains(outside, inSavepoint);
        ToteSysAudit.check(world).assertNone();
    }

    /** Issue 12, point 2: edits that leave last_updated alone are new versions. */
    @Test
    void editsThatKeepTheirStampAreNewVersions() {
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1 WHERE sales_order_id IN (1, 2)",
                "UPDATE department SET manager = 'Shelley Levene' WHERE department_id = 3",
                "UPDATE payment SET paid = NOT paid WHERE payment_id = 5");

        BatchManifest manifest = runBatch().orElseThrow();

        assertThat(extract.ids(manifest, "sales_order")).containsExactly(1, 2);
        assertThat(extract.ids(manifest, "department")).containsExactly(3);
        assertThat(extract.ids(manifest, "payment")).containsExactly(5);
        assertThat(runBatch()).as("nothing changed since").isEmpty();
        ToteSysAudit.check(world).assertNone();
        loadPending();
        WarehouseAudit.check(world).assertNone();
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM fact_sales_order WHERE sales_order_id IN (1, 2)")).as("two versions each")
                .isEqualTo(4);
    }

    /** Issue 12: a writer whose clock is a day ahead, or a year behind, hides nothing written after it. */
    @Test
    void aWriterWithASkewedClockHidesNothing() throws Exception {
        int ahead;
        int behind;
        try (Connection writer = world.totesysOwner().getConnection()) {
            ahead = insertReturningId(writer, LATE_ORDER.formatted("2099-01-01 00:00:00", 201));
            behind = insertReturningId(writer, LATE_ORDER.formatted("2001-01-01 00:00:00", 202));
        }
        assertThat(extract.ids(runBatch().orElseThrow(), "sales_order")).containsExactlyInAnyOrder(ahead, behind);

        ToteSysSimulator.NewOrder after = simulator.newSalesOrder();
        assertThat(extract.ids(runBatch().orElseThrow(), "sales_order")).containsExactly(after.orderId());
        ToteSysAudit.check(world).assertNone();
    }

    /**
     * Issue 12, point 3: a deleted row is recorded in the lake as an object of its own, under
     * {@code _deletions/<table>/}, listed in the manifest, once. ToteSys's foreign keys allow
     * deleting a payment, then its transaction, and a sales order (its transaction's
     * reference is set to NULL: a new version of the transaction).
     */
    @Test
    void deletesAreRecordedInTheLakeAsObjectsOfTheirOwn() throws Exception {
        int salesOrder = (int) SqlRows.count(world.totesysOwner(), "SELECT max(sales_order_id) FROM sales_order");
        int transaction = (int) SqlRows.count(world.totesysOwner(),
                "SELECT transaction_id FROM transaction WHERE sales_order_id = " + salesOrder);
        int otherPayment = (int) SqlRows.count(world.totesysOwner(),
                "SELECT min(payment_id) FROM payment WHERE transaction_id <> " + transaction);
        int otherTransaction = (int) SqlRows.count(world.totesysOwner(),
                "SELECT transaction_id FROM payment WHERE payment_id = " + otherPayment);
        DatabaseServer.execute(world.totesysOwner(),
                "DELETE FROM payment WHERE payment_id = " + otherPayment,
                "DELETE FROM transaction WHERE transaction_id = " + otherTransaction,
                "DELETE FROM sales_order WHERE sales_order_id = " + salesOrder);

        List<BatchManifest> batches = batchesUntilDeleted("sales_order", "payment", "transaction");

        assertThat(deletedIds(batches, "payment")).containsExactly(otherPayment);
        assertThat(deletedIds(batches, "transaction")).containsExactly(otherTransaction);
        assertThat(deletedIds(batches, "sales_order")).containsExactly(salesOrder);
        assertThat(batches.stream().flatMap(manifest -> extract.ids(manifest, "transaction").stream()).toList())
                .as("the transaction whose sales order went, with its reference set to NULL").contains(transaction);
        BatchManifest.Entry entry = batches.stream().flatMap(manifest -> manifest.deletions().stream())
                .filter(deletion -> deletion.table().equals("payment")).findFirst().orElseThrow();
        String batchId = entry.key().substring(entry.key().lastIndexOf('/') + 1, entry.key().length() - 4);
        assertThat(entry.key()).isEqualTo("_deletions/payment/date=" + batchId.substring(0, 4) + "-"
                + batchId.substring(4, 6) + "-" + batchId.substring(6, 8) + "/" + batchId + ".csv");
        assertThat(entry.rows()).isEqualTo(1);
        String content = ingest.read("input/" + entry.key());
        assertThat(content).hasSize((int) entry.bytes())
                .matches("\"payment_id\",\"deleted_seen_at\"\r\n\"" + otherPayment
                        + "\",\"\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}\"\r\n");

        assertThat(runBatch()).as("a delete is recorded once").isEmpty();
        ToteSysAudit.check(world).assertNone();
    }

    /**
     * Issue 12, point 3, in the warehouse: a deleted payment, the transaction it paid (then
     * without a payment), a sales order (its transaction gains a version whose
     * {@code sales_order_id} is NULL) and a design no row refers to any more, though a sales
     * order's history does. Their rows leave the {@code *_current} views, which then equal
     * ToteSys; the facts keep every earlier version and the design stays in {@code dim_design}
     * for the history that refers to it; each deletion is recorded with its batch and when the
     * extract saw it.
     */
    @Test
    void deletedRowsLeaveTheCurrentViewsAndKeepTheirHistory() throws Exception {
        loadPending();
        int salesOrder = (int) SqlRows.count(world.totesysOwner(), "SELECT max(sales_order_id) FROM sales_order");
        int otherOrder = (int) SqlRows.count(world.totesysOwner(), "SELECT min(sales_order_id) FROM sales_order");
        int transaction = (int) SqlRows.count(world.totesysOwner(),
                "SELECT transaction_id FROM transaction WHERE sales_order_id = " + salesOrder);
        int payment = (int) SqlRows.count(world.totesysOwner(),
                "SELECT min(payment_id) FROM payment WHERE transaction_id <> " + transaction);
        int paidTransaction = (int) SqlRows.count(world.totesysOwner(),
                "SELECT transaction_id FROM payment WHERE payment_id = " + payment);
        int formerDesign = (int) SqlRows.count(world.totesysOwner(),
                "SELECT design_id FROM sales_order WHERE sales_order_id = " + otherOrder);
        int design;
        try (Connection writer = world.totesysOwner().getConnection()) {
            design = insertReturningId(writer, "INSERT INTO design (design_name, file_location, file_name) "
                    + "VALUES ('Short-lived', '/designs', 'short-lived.jpg') RETURNING design_id");
        }
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = "
                        + salesOrder,
                "UPDATE sales_order SET design_id = " + design + " WHERE sales_order_id = " + otherOrder);
        runBatch().orElseThrow();
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET design_id = " + formerDesign + " WHERE sales_order_id = " + otherOrder);
        runBatch().orElseThrow();
        loadPending();

        DatabaseServer.execute(world.totesysOwner(),
                "DELETE FROM payment WHERE payment_id = " + payment,
                "DELETE FROM transaction WHERE transaction_id = " + paidTransaction,
                "DELETE FROM sales_order WHERE sales_order_id = " + salesOrder,
                "DELETE FROM design WHERE design_id = " + design);
        List<BatchManifest> batches = batchesUntilDeleted("sales_order", "payment", "transaction", "design");
        String seenAt = batches.stream().flatMap(manifest -> manifest.deletions().stream())
                .filter(entry -> entry.table().equals("sales_order"))
                .flatMap(entry -> ingest.records("input/" + entry.key()).stream())
                .map(record -> record.get(1)).findFirst().orElseThrow();
        loadPending();

        WarehouseAudit.Findings warehouse = WarehouseAudit.check(world);
        warehouse.assertNone();
        DataSource star = world.databases().warehouse();
        assertThat(SqlRows.count(star, "SELECT count(*) FROM fact_sales_order WHERE sales_order_id = " + salesOrder))
                .as("the deleted order's versions, kept").isEqualTo(2);
        assertThat(SqlRows.count(star, "SELECT count(*) FROM fact_sales_order WHERE design_id = " + design))
                .as("history versions that refer to the deleted design").isEqualTo(1);
        assertThat(SqlRows.count(star, "SELECT count(*) FROM fact_payment WHERE payment_id = " + payment)).isOne();
        assertThat(SqlRows.count(star, "SELECT count(*) FROM dim_design WHERE design_id = " + design))
                .as("the deleted design, kept for the history that refers to it").isOne();
        assertThat(SqlRows.count(star, "SELECT count(*) FROM dim_design_current WHERE design_id = " + design)).isZero();
        assertThat(SqlRows.count(star, "SELECT count(*) FROM dim_transaction_current WHERE sales_order_id IS NULL "
                + "AND transaction_id = " + transaction)).as("the order's transaction, its reference set to NULL")
                .isOne();
        assertThat(SqlRows.of(star, "SELECT to_char(deleted_seen_date + deleted_seen_time, "
                + "'YYYY-MM-DD HH24:MI:SS.MS') FROM fact_sales_order_deletion WHERE sales_order_id = " + salesOrder))
                .as("when the extract saw the order gone").containsExactly("(\"" + seenAt + "\")");
        List<String> deletionsParquet = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET)
                .keys(LakeLayout.tableLocation(WarehouseDeletions.tableName(WarehouseTable.FACT_SALES_ORDER))
                        + "/data/");
        assertThat(DuckDb.query("SELECT sales_order_id, deleted_seen_date FROM " + DuckDb.parquet(DuckDb.download(
                world.s3(), EmbeddedWorld.PROCESSED_BUCKET, deletionsParquet))))
                .as("the data files of the lake's fact_sales_order_deletion, as standard engines read them")
                .containsExactly(salesOrder + "|" + seenAt.substring(0, 10));
        assertThat(SqlRows.count(star, "SELECT count(*) FROM pipeline.load_batch l JOIN fact_payment_deletion d "
                + "USING (batch_id) WHERE d.payment_id = " + payment)).as("recorded by a batch in the load log")
                .isOne();
        ToteSysAudit.check(world).assertNone();
    }

    /**
     * State kept before read horizons (watermarks only, no live keys) carries on: the next
     * batch reads by the watermark once and takes in every table's keys, and later batches
     * read by horizon and see deletes.
     */
    @Test
    void aPipelineStateFromBeforeReadHorizonsCarriesOn() throws Exception {
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = NULL",
                "TRUNCATE pipeline.source_key_range");
        ToteSysSimulator.NewOrder order = simulator.newSalesOrder();

        BatchManifest upgrade = runBatch().orElseThrow();
        assertThat(upgrade.changesSince()).isNull();
        assertThat(extract.ids(upgrade, "sales_order")).containsExactly(order.orderId());
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT sum(key_count) FROM pipeline.source_key_range WHERE table_name = 'sales_order'"))
                .isEqualTo(SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order"));

        DatabaseServer.execute(world.totesysOwner(), "UPDATE sales_order SET units_sold = 7 WHERE sales_order_id = 1",
                "DELETE FROM payment WHERE payment_id = " + order.paymentId());
        List<BatchManifest> batches = batchesUntilDeleted("payment");
        assertThat(batches.get(0).changesSince()).isNotNull();
        assertThat(batches.stream().flatMap(manifest -> extract.ids(manifest, "sales_order").stream()).toList())
                .containsExactly(1);
        assertThat(deletedIds(batches, "payment")).containsExactly(order.paymentId());
        ToteSysAudit.check(world).assertNone();
    }

    /** A lost version must fail the audit: the harness itself is checked. */
    @Test
    void theAuditNoticesAVersionTheLakeMissed() throws Exception {
        DatabaseServer.execute(world.totesysOwner(), "UPDATE currency SET currency_code = 'CHF' WHERE currency_id = 1");
        BatchManifest manifest = runBatch().orElseThrow();
        ingest.delete("input/" + manifest.objects().get(0).key());

        ToteSysAudit.Findings findings = ToteSysAudit.check(world);

        assertThat(findings.missing()).singleElement().asString().startsWith("currency 1 (1,CHF,");
    }

    /** Transforms and loads every extract batch waiting in the lake, as the stages' timers would. */
    private void loadPending() {
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    private Optional<BatchManifest> runBatch() {
        return extract.run().map(ExtractRuns.Published::manifest);
    }

    /**
     * Runs extract batches, a poll every 200 ms, until the lake holds a deletion of each
     * table (PostgreSQL's statistics count a delete within a second); returns the batches.
     */
    private List<BatchManifest> batchesUntilDeleted(String... tables) {
        List<BatchManifest> batches = new ArrayList<>();
        Awaitility.await("the deletes reached the lake").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    runBatch().ifPresent(batches::add);
                    return Arrays.stream(tables).noneMatch(table -> deletedIds(batches, table).isEmpty());
                });
        return batches;
    }

    private List<Integer> deletedIds(List<BatchManifest> batches, String table) {
        return batches.stream().flatMap(manifest -> extract.deletedIds(manifest, table).stream()).toList();
    }

    private static int insertReturningId(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet id = statement.executeQuery(sql)) {
            id.next();
            return id.getInt(1);
        }
    }
}
