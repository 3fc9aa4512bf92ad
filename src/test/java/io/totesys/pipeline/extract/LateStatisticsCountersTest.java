package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysAudit;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Issue 26 (scenario 26.1 of docs/reliability.md): a poll skips a table whose statistics
 * counters say nobody wrote to it ({@link UnchangedTables}), but a counter moves only once
 * the writer's session reports it, after the commit is visible. A procedure that commits a
 * sales order and then sleeps reports nothing until it returns: the polls meanwhile skip
 * every table, and the order must still reach the lake, once, when the counter moves.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class LateStatisticsCountersTest {

    private static final Logger LOG = Logger.getLogger(LateStatisticsCountersTest.class);

    /** A writer that commits an order and then stays busy: its session reports its counts only when the call ends. */
    private static final String COMMIT_THEN_SLEEP = """
            CREATE OR REPLACE PROCEDURE public.commit_then_sleep(seconds double precision) LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO sales_order (created_at, last_updated, design_id, staff_id, counterparty_id, units_sold,
                                       unit_price, currency_id, agreed_delivery_date, agreed_payment_date,
                                       agreed_delivery_location_id)
              VALUES (now(), now(), 1, 1, 1, 4343, 2.50, 1, '2022-11-10', '2022-11-12', 1);
              COMMIT;
              PERFORM pg_sleep(seconds);
            END $$""";

    private static final double WRITER_BUSY_SECONDS = 6;

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry metrics;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private ExtractRuns extract;

    @BeforeEach
    void aSmallToteSysUnderAudit() {
        ToteSysFixture.reset(world);
        ToteSysAudit.install(world);
        DatabaseServer.execute(world.totesysOwner(), COMMIT_THEN_SLEEP);
        extract = new ExtractRuns(producer, json, ingest);
        new ToteSysSimulator(world.totesysOwner(), 26).seed(0.01);
        runBatch().orElseThrow();
    }

    @Test
    void anOrderWhoseCounterIsLateReachesTheLakeOnceTheCounterMoves() throws Exception {
        List<BatchManifest> batches = new ArrayList<>();
        List<Integer> orders = new ArrayList<>();
        for (int attempt = 1;; attempt++) {
            awaitPollsThatReadNothing();
            String horizonBefore = salesOrderHorizon();
            double skippedBefore = skipped();
            List<BatchManifest> whileBusy = pollWhileAWriterSleepsAfterItsOrder(orders);
            batches.addAll(whileBusy);
            if (whileBusy.isEmpty()) {
                assertThat(skipped() - skippedBefore).as("tables skipped meanwhile").isGreaterThanOrEqualTo(
                        SourceTable.values().length);
                assertThat(salesOrderHorizon()).as("a skipped table keeps its read horizon").isEqualTo(horizonBefore);
                break;
            }
            // another session's report (a counter of any table) moved the counters while the writer slept, and
            // the polls read every table: the order came early, which proves nothing of a late counter
            LOG.infof("Attempt %d: the polls read the order while its writer slept (%s); again", attempt, whileBusy);
            assertThat(attempt).as("polls while the committed order's counter had not moved: the table was skipped")
                    .isLessThan(3);
        }

        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> runBatch().map(manifest -> {
                    batches.add(manifest);
                    return extract.ids(manifest, "sales_order").contains(orders.get(orders.size() - 1));
                }).orElse(false));
        assertThat(batches.stream().flatMap(manifest -> extract.ids(manifest, "sales_order").stream()))
                .as("the late orders, each once").containsExactlyInAnyOrderElementsOf(orders);
        ToteSysAudit.check(world).assertNone();
    }

    /**
     * A writer commits an order and sleeps; meanwhile the extract polls a second apart. Adds the
     * order to {@code orders}; says the batches the polls published.
     */
    private List<BatchManifest> pollWhileAWriterSleepsAfterItsOrder(List<Integer> orders) throws Exception {
        int before = lateOrder();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Connection connection = world.totesysOwner().getConnection()) {
                SqlRows.execute(connection, "CALL public.commit_then_sleep(" + WRITER_BUSY_SECONDS + ")");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lateOrder() != before);
        orders.add(lateOrder());
        List<BatchManifest> batches = new ArrayList<>();
        while (!writer.isDone()) {
            runBatch().ifPresent(batches::add);
            Thread.sleep(1_000); // the poll interval, while the writer stays busy
        }
        writer.join();
        return batches;
    }

    /**
     * {@code TRUNCATE} moves none of a table's counters (PostgreSQL counts no deleted row
     * versions for it), but it gives the table a new file: the next poll must read the table
     * and record every payment as deleted, not five minutes later when every table is read again.
     */
    @Test
    void aTruncatedTableIsReadAtTheNextPollThoughNoCounterMoves() {
        awaitPollsThatReadNothing();
        List<Integer> payments = SqlRows.column(world.totesysOwner(), "SELECT payment_id FROM payment").stream()
                .map(Integer::valueOf).toList();
        assertThat(payments).as("payments before the truncate").isNotEmpty();

        DatabaseServer.execute(world.totesysOwner(), "TRUNCATE payment");

        List<Integer> deleted = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    runBatch().ifPresent(manifest -> deleted.addAll(extract.deletedIds(manifest, "payment")));
                    return deleted.size() >= payments.size();
                });
        assertThat(deleted).as("payments recorded as deleted, once each").containsExactlyInAnyOrderElementsOf(
                payments);
    }

    /** Polls, a second apart, until one skips every table. */
    private void awaitPollsThatReadNothing() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            double before = skipped();
            Optional<BatchManifest> batch = runBatch();
            return batch.isEmpty() && skipped() - before == SourceTable.values().length;
        });
    }

    private double skipped() {
        return metrics.get("pipeline.extract.unchanged.tables").counter().count();
    }

    private int lateOrder() {
        return (int) SqlRows.count(world.totesysOwner(),
                "SELECT coalesce(max(sales_order_id), 0) FROM sales_order WHERE units_sold = 4343");
    }

    private String salesOrderHorizon() {
        return SqlRows.text(world.databases().warehouse(),
                "SELECT read_horizon FROM pipeline.extract_watermark WHERE table_name = 'sales_order'");
    }

    private Optional<BatchManifest> runBatch() {
        return extract.run().map(ExtractRuns.Published::manifest);
    }
}
