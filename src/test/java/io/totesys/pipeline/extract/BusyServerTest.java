package io.totesys.pipeline.extract;

import static io.totesys.pipeline.testing.SqlRows.execute;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.mirror.ChecksumMirror;
import io.totesys.pipeline.mirror.RowChecksums;
import io.totesys.pipeline.source.ChangeWindow;
import io.totesys.pipeline.source.ChangedRows;
import io.totesys.pipeline.source.ReadHorizon;
import io.totesys.pipeline.source.SourceSnapshot;
import io.totesys.pipeline.stage.BatchProgress;
import io.totesys.pipeline.stage.PipelineStage;
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
 * ToteSys on a busy server that it shares (issue 24, point 1): a session in another database
 * begins a transaction, takes a transaction id and sits idle, while the server commits a
 * million other transactions. What the extract keeps of its read horizon, what its
 * manifests carry and what each poll costs must follow what ToteSys wrote, not the server's
 * transaction rate nor the age of the oldest open transaction; and nothing may be missed or
 * doubled when ToteSys's own long transactions commit, savepoints and all.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class BusyServerTest {

    private static final Logger LOG = Logger.getLogger(BusyServerTest.class);

    /** How many other transactions the server commits while the session sits idle. */
    private static final int OTHER_TRANSACTIONS = 1_000_000;

    /** What a manifest or a stored read horizon may hold at most here: a few ToteSys transactions' worth. */
    private static final int SMALL = 16 * 1024;

    private static final String NEIGHBOUR_DATABASE = "neighbour";

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    /**
     * What {@code pipeline_source_oldest_open_transaction_seconds} publishes, read from the
     * bean: Micrometer keeps the first gauge of a name in a JVM, which is an earlier test
     * application's when another test class restarted Quarkus before this one.
     */
    @Inject
    OpenTransactionWatch openTransactions;

    @Inject
    ChecksumMirror mirror;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
    private ExtractRuns extract;
    private ToteSysSimulator simulator;
    private DataSource neighbour;

    @BeforeEach
    void aSmallToteSysOnAServerWithANeighbour() {
        ToteSysFixture.reset(world);
        ToteSysAudit.install(world);
        extract = new ExtractRuns(producer, json, ingest);
        simulator = new ToteSysSimulator(world.totesysOwner(), 24);
        simulator.seed(0.01);
        if (SqlRows.count(world.databases().superuser("postgres"),
                "SELECT count(*) FROM pg_database WHERE datname = '" + NEIGHBOUR_DATABASE + "'") == 0) {
            DatabaseServer.execute(world.databases().superuser("postgres"), "CREATE DATABASE " + NEIGHBOUR_DATABASE);
        }
        neighbour = world.databases().superuser(NEIGHBOUR_DATABASE);
        extract.run().orElseThrow();
        loadPending();
    }

    @Test
    void aSessionIdleInTransactionElsewhereWhileAMillionOthersCommitHoldsNothingBack() throws Exception {
        pollsWithNewOrders("a quiet server");
        try (Connection idle = idleInTransaction()) {
            simulator.change();
            extract.run().orElseThrow();
            burnTransactions(OTHER_TRANSACTIONS);

            pollsWithNewOrders("a session idle in transaction and " + OTHER_TRANSACTIONS + " other transactions");
            assertThat(openTransactionSeconds()).as("how long the idle session's transaction was seen open")
                    .isPositive();

            int outside;
            int inSavepoint;
            int inExceptionBlock;
            try (Connection writer = world.totesysOwner().getConnection()) {
                writer.setAutoCommit(false);
                outside = simulator.newSalesOrder(writer).orderId();
                execute(writer, "SAVEPOINT before_order");
                inSavepoint = simulator.newSalesOrder(writer).orderId();
                execute(writer, "RELEASE SAVEPOINT before_order");
                execute(writer, """
                        DO $$ BEGIN
                          BEGIN
                            UPDATE design SET design_name = design_name || ' (renamed)' WHERE design_id = 1;
                            PERFORM 1 / 0;
                          EXCEPTION WHEN division_by_zero THEN
                            UPDATE design SET design_name = design_name || ' (kept)' WHERE design_id = 2;
                          END;
                        END $$""");
                inExceptionBlock = 2;
                BatchManifest whileOpen = extract.run().map(ExtractRuns.Published::manifest).orElse(null);
                if (whileOpen != null) {
                    assertThat(extract.ids(whileOpen, "sales_order")).doesNotContain(outside, inSavepoint);
                }
                writer.commit();
            }
            BatchManifest committed = extract.run().orElseThrow().manifest();
            assertThat(extract.ids(committed, "sales_order")).contains(outside, inSavepoint);
            assertThat(extract.ids(committed, "design")).contains(inExceptionBlock).doesNotContain(1);
            idle.commit();
        }
        extract.run();
        ToteSysAudit.check(world).assertNone();
        loadPending();
        assertThat(quarantined()).as("objects quarantined").isEmpty();
        WarehouseAudit.check(world).assertNone();
    }

    @Test
    void whenTheIdleSessionRollsBackTheWarehouseCatchesUpWithoutARestart() throws Exception {
        try (Connection idle = idleInTransaction()) {
            burnTransactions(OTHER_TRANSACTIONS);
            for (int change = 0; change < 5; change++) {
                simulator.change();
                extract.run();
                loadPending();
            }
            idle.rollback();
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            extract.run();
            loadPending();
            WarehouseAudit.check(world).assertNone();
        });
        ToteSysAudit.check(world).assertNone();
        assertThat(quarantined()).as("objects quarantined").isEmpty();
    }

    /**
     * A batch reads its tables side by side, each on a connection of its own in one snapshot:
     * a table may be measured against the previous batch's read horizon on one connection and
     * copied on another that joined the snapshot later. PostgreSQL's {@code age()} counts from
     * the next transaction id as each transaction first asks, so between two connections it
     * differs by every transaction the server began in between, this service's own writes to
     * the warehouse among them. The clean-clone run of OutageIT at 15:27 on 2026-12-07 lost a
     * payment that way: its order and transaction reached the lake, the payment, committed with
     * them, never did.
     */
    @Test
    void aTableCopiedOnAConnectionThatJoinedTheSnapshotLaterHoldsEveryRowSinceTheHorizon() throws Exception {
        ReadHorizon previousBatch = ReadHorizon.parse(SqlRows.column(world.totesysOwner(),
                "SELECT pg_current_snapshot()::text").get(0));
        ToteSysSimulator.NewOrder order = simulator.newSalesOrder();
        DataSource reader = world.databases().dataSource(DatabaseServer.TOTESYS_DATABASE, DatabaseServer.READER,
                DatabaseServer.READER_PASSWORD);
        CountDownLatch firstConnectionBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RowChecksums checksums = mirror.forBatch(BatchId.startingAt(Instant.now()));
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        try (SourceSnapshot snapshot = SourceSnapshot.open(reader, 100, new CarriedColumns())) {
            snapshot.readTablesAtOnce(2);
            ChangedRows payments = snapshot.changedRows(snapshot.schemas().get(SourceTable.PAYMENT),
                    new ChangeWindow(ChangeWindow.Kind.SINCE_HORIZON, LocalDateTime.now(), previousBatch),
                    SourceKeys.empty(), new HashSet<>(), checksums);
            burnTransactions(1_000);
            CompletableFuture<Void> otherTable = CompletableFuture.runAsync(() -> snapshot.query("SELECT 1",
                    List.of(), "another table", row -> {
                        firstConnectionBusy.countDown();
                        awaitQuietly(release);
                    }));
            try {
                assertThat(firstConnectionBusy.await(1, TimeUnit.MINUTES)).isTrue();
                payments.writeTo(csv, new BatchProgress(PipelineStage.EXTRACT, BatchId.startingAt(Instant.now()),
                        "payment", Duration.ofMinutes(1), 0));
            } finally {
                release.countDown();
                otherTable.get(1, TimeUnit.MINUTES);
                mirror.discardAllStaged();
            }
        }
        assertThat(csv.toString(StandardCharsets.UTF_8).lines().skip(1).map(line -> line.split(",", 2)[0]))
                .as("the payments copied since the previous batch's horizon")
                .contains("\"" + order.paymentId() + "\"");
    }

    /**
     * Five polls, each after a new order: the order is in the very next batch, and the
     * batch's manifest and the stored read horizons stay small. Logs what each poll cost.
     */
    private void pollsWithNewOrders(String server) {
        for (int poll = 0; poll < 5; poll++) {
            ToteSysSimulator.NewOrder order = simulator.newSalesOrder();
            long started = System.nanoTime();
            ExtractRuns.Published batch = extract.run().orElseThrow();
            long took = System.nanoTime() - started;
            assertThat(extract.ids(batch.manifest(), "sales_order")).as("the new order, in the next batch")
                    .contains(order.orderId());
            assertThat(batch.manifestBytes()).as("manifest of batch %s", batch.manifest().batchId()).isLessThan(SMALL);
            LOG.infof("[busy server] %s: extract batch in %d ms, manifest %d bytes, longest stored horizon %d chars",
                    server, took / 1_000_000, batch.manifestBytes(), longestStoredHorizon());
        }
        assertThat(longestStoredHorizon()).as("the longest read horizon stored").isLessThan(SMALL);
    }

    private double openTransactionSeconds() {
        return openTransactions.openSeconds();
    }

    /** A session in another database of the same server that took a transaction id and waits. */
    private Connection idleInTransaction() throws SQLException {
        Connection idle = neighbour.getConnection();
        idle.setAutoCommit(false);
        execute(idle, "SELECT txid_current()");
        return idle;
    }

    /** Commits {@code count} transactions in the neighbouring database, each taking an id. */
    private void burnTransactions(int count) throws SQLException {
        long started = System.nanoTime();
        try (Connection connection = neighbour.getConnection()) {
            connection.setAutoCommit(true);
            execute(connection, "DO $$ BEGIN FOR i IN 1.." + count
                    + " LOOP PERFORM txid_current(); COMMIT; END LOOP; END $$");
        }
        LOG.infof("[busy server] %,d other transactions committed in %.1f s", count,
                (System.nanoTime() - started) / 1e9);
    }

    private long longestStoredHorizon() {
        return Math.max(
                SqlRows.count(world.databases().warehouse(),
                        "SELECT coalesce(max(length(read_horizon)), 0) FROM pipeline.extract_watermark"),
                SqlRows.count(world.databases().warehouse(),
                        "SELECT coalesce(max(length(read_horizon)), 0) FROM pipeline.extract_batch"));
    }

    private List<String> quarantined() {
        List<String> keys = new java.util.ArrayList<>(ingest.keys("quarantine/"));
        keys.addAll(processed.keys("quarantine/"));
        return keys;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loadPending() {
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }
}
