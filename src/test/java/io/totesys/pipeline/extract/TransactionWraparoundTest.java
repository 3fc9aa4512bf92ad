package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.reconcile.Reconciliations;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.testing.WraparoundToteSys;
import io.totesys.pipeline.testing.WraparoundToteSysResource;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import io.totesys.pipeline.world.WraparoundServer;

/**
 * Transaction-id wraparound (issue 24, point 6). A row's {@code xmin} is 32 bits and VACUUM
 * FREEZE keeps it as it was, so once every 2^32 transactions the server's counter passes an
 * untouched row's {@code xmin} again and the row looks written by a recent transaction. On a
 * ToteSys server whose counter the test moves round ({@link WraparoundServer}), with the
 * extract polled between moves as the running service would, read by the SELECT-only role:
 * what is read again, when, what the lake and the warehouse make of it, what reconciliation
 * says meanwhile, and that a transaction that takes a frozen row's 32 bits while it is open
 * has its own writes read all the same.
 */
@QuarkusTest
@ServerBacked
@EnabledIf(value = "io.totesys.pipeline.world.WraparoundServer#binariesInstalled", disabledReason = "needs PostgreSQL's own initdb, pg_ctl and pg_resetwal (13 or later), which the embedded "
        + "server does not ship: apt-get install postgresql-15")
@WithTestResource(WraparoundToteSysResource.class)
class TransactionWraparoundTest {

    private static final Logger LOG = Logger.getLogger(TransactionWraparoundTest.class);

    private static final List<WarehouseTable> FACTS = List.of(WarehouseTable.FACT_SALES_ORDER,
            WarehouseTable.FACT_PURCHASE_ORDER, WarehouseTable.FACT_PAYMENT);

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final WraparoundServer server = WraparoundToteSys.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private ExtractRuns runs;
    private ToteSysSimulator simulator;
    /** The 64-bit id of the transaction that seeded ToteSys: every row's first version. */
    private long seed;

    @BeforeEach
    void aSmallToteSysSeededInOneTransactionAndLoaded() {
        ToteSysFixture.reset(world);
        ToteSysFixture.emptyToteSys(server.owner());
        runs = new ExtractRuns(producer, json, ingest);
        simulator = new ToteSysSimulator(server.owner(), 31);
        simulator.seed(0.01);
        seed = writer("sales_order", 1);
        assertThat(rowsWrittenBy(seed)).as("every row, written by the seed").isEqualTo(rowCount());
        runs.run().orElseThrow();
        loadPending();
    }

    @Test
    void anUntouchedRowIsReadOnceMoreWhenTheCounterPassesItsXminAgainAndTheWarehouseKeepsItOnce() {
        DatabaseServer.execute(server.owner(), "UPDATE sales_order SET units_sold = units_sold + 1, "
                + "last_updated = now() WHERE sales_order_id = 1");
        DatabaseServer.execute(server.owner(), "UPDATE payment SET paid = NOT paid, last_updated = now() "
                + "WHERE payment_id = 1");
        long salesOrderEdit = writer("sales_order", 1);
        long paymentEdit = writer("payment", 1);
        assertThat(salesOrderEdit).isLessThan(paymentEdit);
        BatchManifest edits = runs.run().orElseThrow().manifest();
        assertThat(runs.ids(edits, "sales_order")).containsExactly(1);
        assertThat(runs.ids(edits, "payment")).containsExactly(1);
        loadPending();
        long untouched = rowsWrittenBy(seed);
        assertThat(untouched).isEqualTo(rowCount() - 2);
        List<String> lakeBefore = ingest.extractedRecords();
        Map<WarehouseTable, Long> factRows = factRows();

        long started = System.nanoTime();
        int moves = moveCounterToJustBefore(seed + WraparoundServer.XID_SPACE);
        server.commitTransactionsUntil(seed + WraparoundServer.XID_SPACE);
        LOG.infof("[wraparound] counter moved round to %d (the seed's %d + 2^32) in %d moves, %.1f s, an extract "
                + "poll after each", server.nextTransaction(), seed, moves, (System.nanoTime() - started) / 1e9);
        assertThat(runs.run()).as("a batch whose snapshot ends at the seed's 32 bits").isEmpty();

        server.commitTransactions(1);
        assertThat(reconcile()).as("a repair batch").isEmpty();
        assertThat(lastReconciliation()).as("compared, pending, mismatched: the seed's rows equal the lake's")
                .containsExactly(rowCount(), 0L, 0L);

        BatchManifest comeRound = runs.run().orElseThrow().manifest();
        List<String> readAgain = records(comeRound);
        assertThat(readAgain).as("the rows the seed wrote that nothing wrote since, read again").hasSize(
                (int) untouched);
        assertThat(runs.ids(comeRound, "sales_order")).doesNotContain(1);
        assertThat(runs.ids(comeRound, "payment")).doesNotContain(1);
        assertThat(lakeBefore).as("the lake held each version read again already, value for value")
                .containsAll(readAgain);
        LOG.infof("[wraparound] the batch after the counter passed the seed's xmin read %d of %d rows again "
                + "(every row the seed wrote and nothing since), %d bytes of CSV", readAgain.size(), rowCount(),
                comeRound.objects().stream().mapToLong(BatchManifest.Entry::bytes).sum());
        loadPending();
        assertThat(factRows()).as("fact rows: the same versions, not appended again").isEqualTo(factRows);
        assertWarehouseEqualsToteSys();

        server.commitTransactionsUntil(paymentEdit + WraparoundServer.XID_SPACE + 1);
        BatchManifest edited = runs.run().orElseThrow().manifest();
        assertThat(runs.ids(edited, "sales_order")).containsExactly(1);
        assertThat(runs.ids(edited, "payment")).containsExactly(1);
        assertThat(edited.objects()).as("only the two edited rows, once the counter passed their own xmin")
                .hasSize(2);
        loadPending();
        assertThat(factRows()).isEqualTo(factRows);
        assertWarehouseEqualsToteSys();

        server.commitTransactions(100);
        assertThat(runs.run()).as("each row read again once per 2^32 transactions").isEmpty();
        assertThat(reconcile()).isEmpty();
        assertThat(lastReconciliation()).containsExactly(rowCount(), 0L, 0L);
    }

    /**
     * The counter comes round to frozen rows' 32 bits just as a writer takes them, and a batch
     * runs while it is open: those rows look written by it. Its own rows, which that batch
     * cannot see, must be read once it commits: first a transaction takes the seed's bits, then
     * a subtransaction (a savepoint, a PL/pgSQL exception block) takes those of a later
     * transaction's rows while its own transaction holds the id before, which is all
     * {@code pg_current_snapshot()} lists as open.
     */
    @Test
    void aWriterThatTakesFrozenRowsThirtyTwoBitsWhileOpenHasItsOwnRowsRead() throws SQLException {
        server.commitTransactions(10);
        DatabaseServer.execute(server.owner(), "UPDATE design SET design_name = design_name || ' II', "
                + "last_updated = now()");
        long designs = writer("design", 1);
        long designRows = rowsWrittenBy(designs);
        runs.run().orElseThrow();
        loadPending();

        moveCounterToJustBefore(seed + WraparoundServer.XID_SPACE);
        server.commitTransactionsUntil(seed + WraparoundServer.XID_SPACE);
        writeWhileABatchRuns(seed, rowCount() - designRows, false);

        server.commitTransactionsUntil(designs + WraparoundServer.XID_SPACE - 1);
        writeWhileABatchRuns(designs, designRows, true);

        assertThat(runs.run()).as("nothing left").isEmpty();
        loadPending();
        assertWarehouseEqualsToteSys();
        assertThat(reconcile()).as("a repair batch").isEmpty();
        assertThat(lastReconciliation()).containsExactly(rowCount(), 0L, 0L);
    }

    /**
     * A writer takes the 32 bits of {@code frozen}, whose {@code rows} rows nothing wrote
     * since, and writes an order; a batch runs while it is open, and another once it committed.
     */
    private void writeWhileABatchRuns(long frozen, long rows, boolean inSavepoint) throws SQLException {
        try (Connection writer = server.owner().getConnection()) {
            writer.setAutoCommit(false);
            if (inSavepoint) {
                transactionOf(writer);
                writer.setSavepoint();
            }
            ToteSysSimulator.NewOrder order = simulator.newSalesOrder(writer);
            assertThat(xminOf(writer, order.orderId())).as("the open writer took the frozen rows' 32 bits")
                    .isEqualTo(frozen % WraparoundServer.XID_SPACE);
            server.commitTransactions(1); // a later transaction ends: the snapshot lists the writer as open

            BatchManifest whileOpen = runs.run().orElseThrow().manifest();
            assertThat(records(whileOpen)).as("the frozen rows, read again").hasSize((int) rows);
            assertThat(runs.ids(whileOpen, "sales_order")).doesNotContain(order.orderId());

            writer.commit();
            BatchManifest committed = runs.run().orElseThrow().manifest();
            assertThat(runs.ids(committed, "sales_order")).as("the order the writer wrote")
                    .contains(order.orderId());
            assertThat(runs.ids(committed, "transaction")).contains(order.transactionId());
            assertThat(runs.ids(committed, "payment")).contains(order.paymentId());
            LOG.infof("[wraparound] an open %s took the 32 bits of %d frozen rows: the batch meanwhile read them "
                    + "again, the one after it committed %d rows, its order and those again",
                    inSavepoint ? "subtransaction" : "transaction", records(whileOpen).size(),
                    records(committed).size());
        }
    }

    /**
     * Moves the counter to the first id of the {@code pg_xact} page that holds {@code xid}, in
     * moves short enough for the read horizon to follow, with an extract poll after each: none
     * may read anything. Returns how many moves it took.
     */
    private int moveCounterToJustBefore(long xid) {
        long landing = xid - xid % WraparoundServer.STATUS_PAGE;
        int moves = 0;
        for (long next = server.nextTransaction(); next < landing; next = server.nextTransaction()) {
            long target = Math.min(landing, next + WraparoundServer.LONGEST_MOVE);
            target -= target % WraparoundServer.STATUS_PAGE;
            if (target % WraparoundServer.XID_SPACE == 0) {
                target -= WraparoundServer.STATUS_PAGE;
            }
            server.moveCounterTo(target);
            moves++;
            assertThat(runs.run()).as("a poll after the counter moved to %d", target).isEmpty();
        }
        return moves;
    }

    /** The 64-bit id of the transaction that wrote a row's current version: the latest below now with its bits. */
    private long writer(String table, int key) {
        return SqlRows.count(server.owner(), "SELECT last - ((last - xmin::text::bigint) % 4294967296 + 4294967296) "
                + "% 4294967296 FROM " + table + ", (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint - 1 "
                + "AS last) snapshot WHERE " + table + "_id = " + key);
    }

    /** How many rows of ToteSys have a current version written by the transaction (by its 32 bits). */
    private long rowsWrittenBy(long transaction) {
        return SqlRows.count(server.owner(), "SELECT count(*) FROM (" + everyRow("xmin") + ") r WHERE xmin::text = '"
                + transaction % WraparoundServer.XID_SPACE + "'");
    }

    private long rowCount() {
        return SqlRows.count(server.owner(), "SELECT count(*) FROM (" + everyRow("1") + ") r");
    }

    private static String everyRow(String column) {
        return Arrays.stream(SourceTable.values())
                .map(table -> "SELECT " + column + " FROM " + table.tableName())
                .collect(Collectors.joining(" UNION ALL "));
    }

    private static long transactionOf(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT pg_current_xact_id()::text")) {
            result.next();
            return Long.parseLong(result.getString(1));
        }
    }

    /** The 32-bit xmin of a sales order as the connection's own transaction sees it. */
    private static long xminOf(Connection connection, int salesOrder) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT xmin::text FROM sales_order WHERE sales_order_id = " + salesOrder)) {
            result.next();
            return Long.parseLong(result.getString(1));
        }
    }

    /** A batch's records, each as its table and values. */
    private List<String> records(BatchManifest manifest) {
        List<String> records = new ArrayList<>();
        manifest.objects().forEach(entry -> ingest.records("input/" + entry.key())
                .forEach(record -> records.add(entry.table() + " " + record)));
        return records;
    }

    private Map<WarehouseTable, Long> factRows() {
        Map<WarehouseTable, Long> rows = new HashMap<>();
        FACTS.forEach(fact -> rows.put(fact,
                SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM " + fact.tableName())));
        return rows;
    }

    private void assertWarehouseEqualsToteSys() {
        DataSource warehouse = world.databases().warehouse();
        for (WarehouseTable table : WarehouseTable.values()) {
            if (table != WarehouseTable.DIM_DATE) {
                assertThat(StarSchemaFromToteSys.warehouseRows(warehouse, table)).as(table.tableName())
                        .isEqualTo(StarSchemaFromToteSys.rows(server.owner(), table));
            }
        }
    }

    /** Runs a reconciliation as if its interval had passed; the repair batch's manifest, if there was one. */
    private Optional<BatchManifest> reconcile() {
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'",
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '1 day'");
        List<String> before = ingest.keys("input/_manifests/");
        assertThat(BatchFailure.of(producer.send(Reconciliations.ENDPOINT, exchange -> {
        }))).as("reconciliation failure").isNull();
        List<String> after = new ArrayList<>(ingest.keys("input/_manifests/"));
        after.removeAll(before);
        return after.stream().findFirst().map(this::readManifest);
    }

    /**
     * The last reconciliation's rows of ToteSys compared and pending, and the rows it found
     * different, in the lake or in the warehouse's current views.
     */
    /**
     * The last reconciliation's rows compared with the lake, pending and mismatched. A table
     * not read, as unchanged since a run found it equal, counts with every row the mirror holds
     * of it: nothing wrote to it since that run compared them all.
     */
    private List<Long> lastReconciliation() {
        String totals = SqlRows.text(world.databases().warehouse(), """
                SELECT sum(CASE WHEN r.not_read THEN (SELECT count(*) FROM pipeline.source_row_checksum m
                                                       WHERE m.table_name = r.table_name)
                                ELSE r.compared END) FILTER (WHERE compared_with = 'lake') || ' '
                       || sum(pending) FILTER (WHERE compared_with = 'lake') || ' ' || sum(missing + extra + changed)
                  FROM pipeline.reconcile_run r
                 WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)""");
        return Arrays.stream(totals.split(" ")).map(Long::parseLong).toList();
    }

    private BatchManifest readManifest(String key) {
        try {
            return json.readValue(ingest.readBytes(key), BatchManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void loadPending() {
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }
}
