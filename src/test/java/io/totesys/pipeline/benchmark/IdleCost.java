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
 * counters have not moved. The warehouse lives in the same server, so the server's figure
 * holds the service's own writes of its state too; the ToteSys sessions' figure is what the
 * backends connected to ToteSys's database spent.
 *
 * @param scale the scale ToteSys was seeded at
 * @param rows ToteSys's rows
 * @param alone the server's CPU s/s with no service running
 * @param everyTable the server's CPU s/s, and the ToteSys sessions', with every table read every poll
 * @param skipping the same with unchanged tables skipped (the default)
 */
record IdleCost(double scale, long rows, double alone, Cost everyTable, Cost skipping) {

    /** How often the service polls meanwhile. */
    static final String POLL_INTERVAL = "1s";
    /**
     * How long the service runs before a window starts: it starts, and its first polls read
     * every table until ToteSys's counters have been still for a couple of seconds.
     */
    static final Duration WARM_UP = Duration.ofSeconds(15);

    /** CPU seconds per second: the whole server's, and that of the backends connected to ToteSys's database. */
    record Cost(double server, double toteSysSessions) {
    }

    static IdleCost measure(EmbeddedWorld world, double scale, long rows, Path directory, Duration window)
            throws InterruptedException {
        Benchmark.say("×" + Numbers.scale(scale) + ": measuring what an unchanged ToteSys costs, "
                + window.toSeconds() + " s each: PostgreSQL alone, every table every poll, unchanged tables skipped");
        double alone = cost(world, window).server();
        Cost everyTable = withService(world, directory.resolve("idle-every-table"), "0", window);
        Cost skipping = withService(world, directory.resolve("idle-skipping"), null, window);
        Benchmark.say(String.format(Locale.ROOT, "×%s: CPU s/s of ToteSys's server: alone %.4f, every table "
                + "every poll %.4f (ToteSys's sessions %.4f), unchanged tables skipped %.4f (ToteSys's sessions %.4f)",
                Numbers.scale(scale), alone, everyTable.server(), everyTable.toteSysSessions(), skipping.server(),
                skipping.toteSysSessions()));
        return new IdleCost(scale, rows, alone, everyTable, skipping);
    }

    private static Cost withService(EmbeddedWorld world, Path directory, String fullScanInterval, Duration window)
            throws InterruptedException {
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
        try (PipelineService service = PipelineService.start(environment,
                directory.resolve("service.log").toAbsolutePath(),
                "-Xmx" + FullLoad.MAXIMUM_HEAP)) {
            Benchmark.awaitReady(service, URI.create("http://127.0.0.1:" + httpPort));
            Thread.sleep(WARM_UP.toMillis()); // a fixed protocol: the service's first polls are not what idling costs
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
