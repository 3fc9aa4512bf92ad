package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.totesys.pipeline.source.SourceTable;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.Directories;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * One benchmark run, on fresh embedded worlds: seeds ToteSys at the chosen scale, runs a
 * full load of the packaged service, times each stage's anchor on the same data, then
 * measures the incremental latency while ToteSys changes at a steady rate. A full load at a
 * smaller scale first gives the peak heap to compare with.
 */
public final class Benchmark {

    private static final Duration FULL_LOAD_TIMEOUT = Duration.ofMinutes(60);
    private static final Duration LATENCY_PATIENCE = Duration.ofSeconds(60);

    private final BenchmarkSettings settings;

    public Benchmark(BenchmarkSettings settings) {
        this.settings = settings;
    }

    public BenchmarkResult run() throws InterruptedException {
        Directories.deleteRecursively(settings.directory());
        FullLoad baseline = settings.baselineScale() > 0 ? baselineLoad() : null;

        Path directory = settings.directory().resolve("scale-" + settings.scale());
        try (EmbeddedWorld world = EmbeddedWorld.start(directory.toAbsolutePath(), 0, 0)) {
            say("Seeding ToteSys at scale " + settings.scale() + " ...");
            Instant seedingStarted = Instant.now();
            ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), settings.seed());
            simulator.seed(settings.scale());
            Duration seeding = Duration.between(seedingStarted, Instant.now());
            Map<String, Long> sourceRows = sourceRows(world);
            say("Seeded " + sourceRows.values().stream().mapToLong(Long::longValue).sum() + " rows in " + seeding
                    + "; running a full load ...");

            FullLoad fullLoad = FullLoad.run(world, directory, settings.liveHeapPeriod(), FULL_LOAD_TIMEOUT);
            say("Full load done in " + fullLoad.wallTime() + "; timing the anchors ...");
            Map<String, Long> warehouseRows = warehouseRows(world);
            List<StageComparison> stages = List.of(
                    new StageComparison("extract", fullLoad.extract(), ExtractAnchor.NAME,
                            ExtractAnchor.measure(world.databases().dataSource(DatabaseServer.TOTESYS_DATABASE,
                                    DatabaseServer.READER, DatabaseServer.READER_PASSWORD))),
                    new StageComparison("transform", fullLoad.transform(), TransformAnchor.NAME,
                            TransformAnchor.measure(world.s3(), EmbeddedWorld.INGEST_BUCKET, fullLoad.extracted(),
                                    directory.resolve("transform-anchor"))),
                    new StageComparison("load", fullLoad.load(), LoadAnchor.NAME,
                            LoadAnchor.measure(world.databases().warehouse(), directory.resolve("load-anchor"))));

            say("Measuring the incremental latency for " + settings.latencyDuration() + " ...");
            IncrementalLatency latency = incrementalLatency(world, simulator, directory);
            say(StatusPageRender.measure(world, directory).toString());
            return new BenchmarkResult(settings, Machine.current(), Instant.now(), seeding, sourceRows, warehouseRows,
                    fullLoad, baseline, stages, latency);
        } finally {
            Directories.deleteRecursively(directory.resolve("postgres"));
            Directories.deleteRecursively(directory.resolve("s3"));
        }
    }

    private FullLoad baselineLoad() {
        Path directory = settings.directory().resolve("scale-" + settings.baselineScale());
        try (EmbeddedWorld world = EmbeddedWorld.start(directory.toAbsolutePath(), 0, 0)) {
            say("Baseline: seeding ToteSys at scale " + settings.baselineScale() + " and running a full load ...");
            new ToteSysSimulator(world.totesysOwner(), settings.seed()).seed(settings.baselineScale());
            return FullLoad.run(world, directory, settings.liveHeapPeriod(), FULL_LOAD_TIMEOUT);
        } finally {
            Directories.deleteRecursively(directory.resolve("postgres"));
            Directories.deleteRecursively(directory.resolve("s3"));
        }
    }

    private IncrementalLatency incrementalLatency(EmbeddedWorld world, ToteSysSimulator simulator, Path directory)
            throws InterruptedException {
        int httpPort = FreePort.find();
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_POLL_INTERVAL", settings.pollInterval());
        environment.put("ETL_STAGE_POLL_INTERVAL", settings.stagePollInterval());
        environment.put("ETL_HTTP_PORT", Integer.toString(httpPort));
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_CLUSTER_FILE_ROOT", directory.resolve("leader").toAbsolutePath().toString());
        try (PipelineService service = PipelineService.start(environment, directory.resolve("incremental.log"),
                "-Xmx" + FullLoad.MAXIMUM_HEAP)) {
            awaitReady(service, httpPort);
            return IncrementalLatency.measure(simulator, world.databases().warehouse(), settings.changesPerSecond(),
                    settings.latencyDuration(), LATENCY_PATIENCE);
        }
    }

    private static void awaitReady(PipelineService service, int httpPort) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline && service.isAlive()) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the service did not become ready; output:\n" + service.output());
    }

    private static Map<String, Long> sourceRows(EmbeddedWorld world) {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (SourceTable table : SourceTable.values()) {
            rows.put(table.tableName(),
                    SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM " + table.tableName()));
        }
        return rows;
    }

    private static Map<String, Long> warehouseRows(EmbeddedWorld world) {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String table : List.of("fact_sales_order_current", "fact_purchase_order_current", "fact_payment_current",
                "dim_transaction", "dim_design")) {
            rows.put(table, SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM " + table));
        }
        return rows;
    }

    static void say(String line) {
        System.out.println("[benchmark] " + line);
    }
}
