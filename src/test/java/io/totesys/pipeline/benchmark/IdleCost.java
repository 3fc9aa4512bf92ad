package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import org.awaitility.Awaitility;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.PipelineService;

/**
 * What the always-on service costs ToteSys's PostgreSQL while ToteSys does not change (issue
 * 26): after the full load, the CPU seconds per second the server's processes spend over a
 * window of no change, with no service running, then with the service polling every second
 * (other settings at their defaults) as before issue 26, every table every poll
 * ({@code ETL_FULL_SCAN_INTERVAL=0}), and as it is, skipping the tables whose statistics
 * counters have not moved; and with a reconciliation every
 * {@link BenchmarkSettings#idleReconcileInterval()} besides, once one has run that read no table (the first after a start reads every table). The
 * warehouse lives in the same server, so the server's figure holds the service's own writes of
 * its state too; the ToteSys sessions' figure is what the backends connected to ToteSys's
 * database spent.
 *
 * @param scale the scale ToteSys was seeded at
 * @param rows ToteSys's rows
 * @param alone the server's CPU s/s with no service running
 * @param everyTable the server's CPU s/s, and the ToteSys sessions', with every table read every poll;
 *        {@link Cost#NOT_MEASURED} unless {@link BenchmarkSettings#idleComparison()}
 * @param skipping the same with unchanged tables skipped (the default); not measured as the last
 * @param reconciling the same with a reconciliation every
 *        {@link BenchmarkSettings#idleReconcileInterval()} too
 */
record IdleCost(double scale, long rows, double alone, Cost everyTable, Cost skipping, Cost reconciling) {

    /** How often the service polls meanwhile. */
    static final String POLL_INTERVAL = "1s";
    /** The longest the first reconciliations after the start may take to find every table unchanged. */
    private static final Duration SETTLING_RECONCILIATIONS = Duration.ofMinutes(10);

    /** CPU seconds per second: the whole server's, and that of the backends connected to ToteSys's database. */
    record Cost(double server, double toteSysSessions) {

        static final Cost NOT_MEASURED = new Cost(Double.NaN, Double.NaN);

        boolean isMeasured() {
            return !Double.isNaN(server);
        }
    }

    static IdleCost measure(EmbeddedWorld world, double scale, long rows, Path directory,
            BenchmarkSettings settings) throws InterruptedException {
        Duration window = settings.idleWindow();
        Duration warmUp = settings.warmUp();
        String reconcileInterval = settings.idleReconcileInterval();
        Benchmark.say("×" + Numbers.scale(scale) + ": measuring what an unchanged ToteSys costs, "
                + window.toSeconds() + " s each: PostgreSQL alone, "
                + (settings.idleComparison() ? "every table every poll, unchanged tables skipped, " : "")
                + "with a reconciliation every " + reconcileInterval);
        double alone = cost(world, window).server();
        Cost everyTable = settings.idleComparison()
                ? withService(world, directory.resolve("idle-every-table"), "0", null, warmUp, window)
                : Cost.NOT_MEASURED;
        Cost skipping = settings.idleComparison()
                ? withService(world, directory.resolve("idle-skipping"), null, null, warmUp, window)
                : Cost.NOT_MEASURED;
        Cost reconciling = withService(world, directory.resolve("idle-reconciling"), null, reconcileInterval, warmUp,
                window);
        Benchmark.say(String.format(Locale.ROOT, "×%s: CPU s/s of ToteSys's server: alone %s, every table "
                + "every poll %s (ToteSys's sessions %s), unchanged tables skipped %s (ToteSys's sessions %s), "
                + "with a reconciliation every %s %s (ToteSys's sessions %s)", Numbers.scale(scale),
                IdleCostSection.cpu(alone), IdleCostSection.cpu(everyTable.server()),
                IdleCostSection.cpu(everyTable.toteSysSessions()), IdleCostSection.cpu(skipping.server()),
                IdleCostSection.cpu(skipping.toteSysSessions()), reconcileInterval,
                IdleCostSection.cpu(reconciling.server()), IdleCostSection.cpu(reconciling.toteSysSessions())));
        return new IdleCost(scale, rows, alone, everyTable, skipping, reconciling);
    }

    private static Cost withService(EmbeddedWorld world, Path directory, String fullScanInterval,
            String reconcileInterval, Duration warmUp, Duration window) throws InterruptedException {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int httpPort = FreePort.find();
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_POLL_INTERVAL", POLL_INTERVAL);
        environment.put("ETL_HTTP_PORT", Integer.toString(httpPort));
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_CLUSTER_FILE_ROOT", directory.resolve("leader").toAbsolutePath().toString());
        if (fullScanInterval != null) {
            environment.put("ETL_FULL_SCAN_INTERVAL", fullScanInterval);
        }
        if (reconcileInterval != null) {
            environment.put("ETL_RECONCILE_INTERVAL", reconcileInterval);
        }
        try (PipelineService service = PipelineService.start(environment,
                directory.resolve("service.log").toAbsolutePath(),
                "-Xmx" + FullLoad.MAXIMUM_HEAP)) {
            Benchmark.awaitReady(service, URI.create("http://127.0.0.1:" + httpPort));
            Thread.sleep(warmUp.toMillis()); // a fixed protocol: the service's first polls are not what idling costs
            if (reconcileInterval != null) {
                Awaitility.await("a reconciliation that read no table and no view").atMost(SETTLING_RECONCILIATIONS)
                        .pollInterval(Duration.ofSeconds(1)).until(() -> SqlRows.count(
                                world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE), """
                                        SELECT count(*) FILTER (WHERE compared_with = 'lake' AND not_read)
                                               - count(*) FILTER (WHERE NOT not_read)
                                          FROM pipeline.reconcile_run
                                         WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run
                                                          WHERE finished_at IS NOT NULL)""") == SourceTable
                                        .values().length);
            }
            return cost(world, window);
        }
    }

    private static Cost cost(EmbeddedWorld world, Duration window) throws InterruptedException {
        DataSource superuser = world.databases().superuser(DatabaseServer.TOTESYS_DATABASE);
        ServerCpu before = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        long started = System.nanoTime();
        Thread.sleep(window.toMillis()); // the window measured
        ServerCpu after = ServerCpu.read(superuser, DatabaseServer.TOTESYS_DATABASE);
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Cost(after.serverSince(before) / seconds, after.backendsSince(before) / seconds);
    }
}
