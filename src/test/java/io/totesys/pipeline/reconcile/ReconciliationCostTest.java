package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.benchmark.ServerCpu;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.source.SourceSchema;
import io.totesys.pipeline.source.TableQueries;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ReconciliationRun;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * What reconciliation and its checksums cost, at a scale of ToteSys given by
 * {@code -Dreconcile.cost.scale=1} (off otherwise; docs/benchmarks.md has the figures):
 * the whole-table extract that fills the mirror, the share of it the checksums take (ToteSys
 * computing them, the warehouse publishing them), a reconciliation that finds nothing, one
 * that repairs 1% of the sales orders, and the mirror's size.
 * <p>
 * And what reconciling an unchanged ToteSys every 10 s costs its PostgreSQL server (issue 26),
 * at a scale given by {@code -Dreconcile.idle.scale=20}: after the full extract and two
 * reconciliations, the CPU seconds per second of the server's processes (ToteSys and the
 * warehouse share it, as in the benchmark) over a window with nothing running, then over a
 * window in which one runs every {@link #INTERVAL}, as {@code ETL_RECONCILE_INTERVAL=10s}
 * would. A smaller harness than the benchmark's idle cost: no packaged service, no extract
 * polls, the test world's PostgreSQL with {@code fsync} off.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ReconciliationCostTest {

    private static final Logger LOG = Logger.getLogger(ReconciliationCostTest.class);
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration WINDOW = Duration.ofSeconds(60);

    @Inject
    ProducerTemplate producer;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource superuser = world.databases().superuser(DatabaseServer.TOTESYS_DATABASE);

    @Test
    @EnabledIfSystemProperty(named = "reconcile.cost.scale", matches = "[0-9.]+")
    void measure() {
        double scale = Double.parseDouble(System.getProperty("reconcile.cost.scale"));
        long rows = seed(scale);

        Duration extract = timed(() -> PipelineStages.run(producer, PipelineStage.EXTRACT));
        Duration checksums = Duration.ZERO;
        Duration rowText = Duration.ZERO;
        for (SourceTable table : SourceTable.values()) {
            String text = table.columns().stream().map(SourceSchema::catalogueText)
                    .reduce((left, right) -> left + ", " + right).orElseThrow();
            checksums = checksums.plus(timed(() -> SqlRows.count(world.totesysOwner(),
                    "SELECT count(" + TableQueries.checksum(table) + ") FROM " + table.tableName())));
            rowText = rowText.plus(timed(() -> SqlRows.count(world.totesysOwner(),
                    "SELECT count(ROW(" + text + ")) FROM " + table.tableName())));
        }
        DatabaseServer.execute(world.databases().warehouse(), """
                INSERT INTO pipeline.source_row_checksum_staged
                SELECT '20260101T000000000Z-000000', table_name, row_key, checksum FROM pipeline.source_row_checksum""",
                "TRUNCATE pipeline.source_row_checksum");
        Duration publish = timed(() -> DatabaseServer.execute(world.databases().warehouse(), """
                INSERT INTO pipeline.source_row_checksum (table_name, row_key, checksum)
                SELECT table_name, row_key, checksum FROM pipeline.source_row_checksum_staged
                ON CONFLICT (table_name, row_key) DO UPDATE SET checksum = excluded.checksum""",
                "DELETE FROM pipeline.source_row_checksum_staged"));
        DatabaseServer.execute(world.databases().warehouse(), "VACUUM ANALYZE pipeline.source_row_checksum");
        long mirrorBytes = SqlRows.count(world.databases().warehouse(),
                "SELECT pg_total_relation_size('pipeline.source_row_checksum')");

        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        DatabaseServer.execute(world.databases().warehouse(), "VACUUM ANALYZE",
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '1 day'");
        CapturedLog log = CapturedLog.of(Reconciliations.class);
        Duration agree = timed(this::reconcile);
        Duration viewsAgree = viewsComparedIn(log);
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE fact_sales_order SET units_sold = units_sold + 1 WHERE sales_order_id % 100 = 0",
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'");
        Duration viewsRepair = timed(this::reconcile);
        Duration viewsDiffer = viewsComparedIn(log);
        log.close();
        assertThat(SqlRows.count(world.databases().warehouse(), """
                SELECT changed FROM pipeline.reconcile_run WHERE table_name = 'fact_sales_order'
                   AND run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)""")).isEqualTo(
                SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order WHERE sales_order_id % 100 = 0"));
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        long salesOrders = SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order");
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1 WHERE sales_order_id % 100 = 0");
        String committed = SqlRows.text(world.totesysOwner(), "SELECT pg_current_snapshot()::text");
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'",
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'");
        Duration repair = timed(this::reconcile);
        assertThat(SqlRows.count(world.databases().warehouse(), """
                SELECT sum(repaired) FROM pipeline.reconcile_run
                 WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)""")).isEqualTo(salesOrders / 100);

        LOG.infof("Reconciliation cost at x%s, %,d rows: whole-table extract %.1f s; ToteSys computing every checksum "
                + "%.2f s (the same row text without them %.2f s); publishing every checksum %.2f s; mirror %,d bytes; "
                + "reconciliation, nothing to repair %.2f s (of which the current views %.2f s); with 1%% of the "
                + "warehouse's sales orders changed by hand %.2f s (the views %.2f s); with 1%% of sales orders changed "
                + "(%,d) %.2f s", scale, rows, seconds(extract), seconds(checksums), seconds(rowText), seconds(publish),
                mirrorBytes, seconds(agree), seconds(viewsAgree), seconds(viewsRepair), seconds(viewsDiffer),
                salesOrders / 100, seconds(repair));
        ToteSysFixture.reset(world);
    }

    @Test
    @EnabledIfSystemProperty(named = "reconcile.idle.scale", matches = "[0-9.]+")
    void measureIdle() throws InterruptedException {
        double scale = Double.parseDouble(System.getProperty("reconcile.idle.scale"));
        long rows = seed(scale);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        DatabaseServer.execute(world.databases().warehouse(), "VACUUM ANALYZE pipeline.source_row_checksum");
        ServerCpu beforeFirst = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        long first = agreeing();
        ServerCpu afterFirst = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        long second = agreeing();

        ServerCpu quietStart = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        Thread.sleep(INTERVAL.toMillis()); // the window measured: nothing runs
        ServerCpu quietEnd = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        double alone = quietEnd.serverSince(quietStart) / INTERVAL.toSeconds();

        ServerCpu start = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        long started = System.nanoTime();
        long runs = 0;
        long slowest = 0;
        while (System.nanoTime() - started < WINDOW.toNanos()) {
            long runStarted = System.nanoTime();
            slowest = Math.max(slowest, agreeing());
            runs++;
            long next = runStarted + INTERVAL.toNanos();
            Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000)); // the interval's timer
        }
        ServerCpu end = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        double seconds = (System.nanoTime() - started) / 1e9;
        LOG.infof(
                "Idle reconciliation cost at x%s, %,d rows: the first run (every table read) %d ms, %.2f CPU s of the "
                        + "server (ToteSys's sessions %.2f); the second %d ms; PostgreSQL alone %.4f CPU s/s; a reconciliation "
                        + "every %d s: %.4f CPU s/s (ToteSys's sessions %.4f), %d runs, the slowest %d ms",
                scale, rows, first,
                afterFirst.serverSince(beforeFirst), afterFirst.backendsSince(beforeFirst), second, alone,
                INTERVAL.toSeconds(), end.serverSince(start) / seconds, end.backendsSince(start) / seconds, runs,
                slowest);
        ToteSysFixture.reset(world);
    }

    /** Seeds an empty ToteSys at a scale; how many rows it holds. */
    private long seed(double scale) {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 42).seed(scale);
        long rows = 0;
        for (SourceTable table : SourceTable.values()) {
            rows += SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM " + table.tableName());
        }
        DatabaseServer.execute(world.totesysOwner(), "VACUUM ANALYZE");
        return rows;
    }

    /** Runs a reconciliation that finds nothing to repair; how long it took, in ms. */
    private long agreeing() {
        long started = System.nanoTime();
        assertThat(ReconciliationRun.run(producer, world).agreed()).isTrue();
        return (System.nanoTime() - started) / 1_000_000;
    }

    private void reconcile() {
        assertThat(BatchFailure.of(producer.send(Reconciliations.ENDPOINT, exchange -> {
        }))).isNull();
    }

    /** How long the last run's comparison of the current views took, as its INFO line says. */
    private static Duration viewsComparedIn(CapturedLog log) {
        List<String> lines = log.lines();
        Matcher seconds = Pattern.compile("views in ([0-9.]+) s").matcher(lines.get(lines.size() - 1));
        assertThat(seconds.find()).as(lines.get(lines.size() - 1)).isTrue();
        return Duration.ofMillis(Math.round(Double.parseDouble(seconds.group(1)) * 1000));
    }

    private static Duration timed(Runnable work) {
        Instant start = Instant.now();
        work.run();
        return Duration.between(start, Instant.now());
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
