package io.totesys.pipeline.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Issue 26: an extract batch reads two tables at once, each on a connection of its own, and
 * still sees ToteSys as of one instant ({@link SnapshotConnections}), with the SELECT-only
 * reader. While one connection is busy with a table, rows committed to ToteSys are invisible to
 * the read another connection makes of the snapshot; closing the snapshot while a read runs
 * cancels it and leaves no session open on ToteSys.
 */
@ServerBacked
class SharedSnapshotTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String APPLICATION = "shared-snapshot-test";
    /** Longer than any wait here, so that only a cancel ends it in time. */
    private static final int LONG_READ_SECONDS = 120;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource reader = reader();

    @BeforeEach
    void seeded() {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 26).seed(0.01);
    }

    @AfterEach
    void reset() {
        ToteSysFixture.reset(world);
    }

    @Test
    void aSecondConnectionReadsTheSameInstantWhileTheFirstIsBusy() throws Exception {
        long orders = count("sales_order");
        long payments = count("payment");
        CountDownLatch firstIsBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (SourceSnapshot snapshot = SourceSnapshot.open(reader, 100, new CarriedColumns())) {
            snapshot.readTablesAtOnce(2);
            CompletableFuture<Long> firstTable = CompletableFuture.supplyAsync(() -> {
                long[] rows = {0};
                snapshot.query("SELECT sales_order_id FROM sales_order", List.of(), "sales orders", row -> {
                    firstIsBusy.countDown();
                    waitFor(release);
                    rows[0]++;
                });
                return rows[0];
            });
            try {
                assertThat(firstIsBusy.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
                changeToteSysAndReadTheSnapshot(snapshot, orders, payments);
            } finally {
                release.countDown();
            }
            assertThat(firstTable.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(orders);
        }
        await().atMost(PATIENCE).until(() -> readerSessions() == 0);
    }

    /**
     * While the snapshot's first connection is busy: a sales order added and a payment deleted
     * in ToteSys, then both tables counted in the snapshot, on a second connection.
     */
    private void changeToteSysAndReadTheSnapshot(SourceSnapshot snapshot, long orders, long payments)
            throws Exception {
        DatabaseServer.execute(world.totesysOwner(), """
                INSERT INTO sales_order (design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
                       agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
                SELECT design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
                       agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id
                  FROM sales_order ORDER BY sales_order_id LIMIT 1""",
                "DELETE FROM payment WHERE payment_id = (SELECT min(payment_id) FROM payment)");
        assertThat(count("sales_order")).isEqualTo(orders + 1);

        CompletableFuture<long[]> secondTable = CompletableFuture.supplyAsync(
                () -> new long[] {snapshot.rowCount(SourceTable.PAYMENT), snapshot.rowCount(SourceTable.SALES_ORDER)});
        assertThat(secondTable.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .as("read on a second connection while the first is busy, as of the snapshot: the payment "
                        + "deleted and the order added since are not seen")
                .containsExactly(payments, orders);
        assertThat(readerSessions()).as("the batch's two connections").isEqualTo(2);
    }

    @Test
    void closingTheSnapshotCancelsARunningReadAndLeavesNoSession() throws Exception {
        SourceSnapshot snapshot = SourceSnapshot.open(reader, 100, new CarriedColumns());
        try {
            snapshot.readTablesAtOnce(2);
            CompletableFuture<Void> longRead = CompletableFuture.runAsync(() -> snapshot.query(
                    "SELECT 1 FROM sales_order, pg_sleep(" + LONG_READ_SECONDS + ") LIMIT 1", List.of(), "a long read",
                    row -> {
                    }));
            await().atMost(PATIENCE).until(() -> {
                if (longRead.isDone()) {
                    longRead.join();
                }
                return readerSessionsSleeping() == 1;
            });
            assertThat(CompletableFuture.supplyAsync(() -> snapshot.rowCount(SourceTable.CURRENCY))
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("read on the second connection").isPositive();

            snapshot.close();

            assertThat(longRead).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(SourceReadException.class).withMessageContaining("reading a long read failed");
            await().atMost(PATIENCE).until(() -> readerSessions() == 0);
        } finally {
            snapshot.close();
        }
    }

    /**
     * A batch that reads tables whole, two at a time, reads the largest first, so that the
     * two connections end together: the SELECT-only reader sees each table's rows as the
     * statistics counters hold them, and asking takes no lock, so a table another session has
     * locked holds up neither the order nor the other tables.
     */
    @Test
    void theLargestTablesComeFirstForTheReaderWithoutWaitingForALock() throws Exception {
        List<SourceTable> catalogue = List.of(SourceTable.values());
        await("the counters hold the seeded rows").atMost(PATIENCE)
                .until(() -> liveRows(SourceTable.PAYMENT) == count("payment"));
        try (Connection owner = world.totesysOwner().getConnection();
                Statement statement = owner.createStatement();
                SourceSnapshot snapshot = SourceSnapshot.open(reader, 100, new CarriedColumns())) {
            owner.setAutoCommit(false);
            statement.execute("LOCK TABLE payment IN ACCESS EXCLUSIVE MODE");

            List<SourceTable> order = CompletableFuture.supplyAsync(() -> snapshot.largestFirst(catalogue))
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            assertThat(order).containsExactlyInAnyOrderElementsOf(catalogue);
            assertThat(order.subList(0, 2)).as("the two tables of most rows, not the catalogue's first")
                    .containsExactlyInAnyOrder(SourceTable.TRANSACTION, SourceTable.PAYMENT);
            assertThat(order.stream().map(this::liveRows).toList()).as("the owner's counters, in the reader's order")
                    .isSortedAccordingTo(Comparator.reverseOrder());
            owner.rollback();
        }
    }

    private long liveRows(SourceTable table) {
        return Long.parseLong(DatabaseServer.column(world.totesysOwner(),
                "SELECT pg_stat_get_live_tuples('" + table.qualifiedName() + "'::regclass)").get(0));
    }

    /** The SELECT-only reader, its sessions named for this test (a pipeline may run beside it in the JVM). */
    private DataSource reader() {
        PGSimpleDataSource dataSource = (PGSimpleDataSource) world.databases()
                .dataSource(DatabaseServer.TOTESYS_DATABASE, DatabaseServer.READER, DatabaseServer.READER_PASSWORD);
        dataSource.setApplicationName(APPLICATION);
        return dataSource;
    }

    private long count(String table) {
        return Long.parseLong(DatabaseServer.column(world.totesysOwner(), "SELECT count(*) FROM " + table).get(0));
    }

    private long readerSessions() {
        return Long.parseLong(DatabaseServer.column(world.totesysOwner(),
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + APPLICATION + "'").get(0));
    }

    private long readerSessionsSleeping() {
        return Long.parseLong(DatabaseServer.column(world.databases().superuser(DatabaseServer.TOTESYS_DATABASE),
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + APPLICATION
                        + "' AND wait_event = 'PgSleep'")
                .get(0));
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
