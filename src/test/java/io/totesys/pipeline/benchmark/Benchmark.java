package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.Directories;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.ObjectStoreServer;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * One benchmark run: for each scale, on a fresh embedded world with a durable PostgreSQL,
 * seeds ToteSys, runs a full load of the packaged service, and, at the scales measured against
 * the anchors, times each stage's native anchor on the same rows; at the latency's scales it
 * then measures the incremental latency while ToteSys changes at a steady rate, and at the
 * largest of those, once it is measured, takes the further {@link ServiceMeasurement}s of the
 * running service.
 */
public final class Benchmark {

    private static final Duration FULL_LOAD_TIMEOUT = Duration.ofMinutes(60);
    private static final Duration LATENCY_PATIENCE = Duration.ofSeconds(60);
    /**
     * The naive load anchor, which checks each row's foreign keys one by one, runs up to this
     * scale: beyond it, it takes minutes and says nothing new.
     */
    static final double NAIVE_LOAD_ANCHOR_SCALE = 20;

    private final BenchmarkSettings settings;
    private final List<ServiceMeasurement> serviceMeasurements;
    private final List<ReportSection> sections = new ArrayList<>();
    private final IdleCostSection idleCosts;

    public Benchmark(BenchmarkSettings settings) {
        this(settings, List.of());
    }

    public Benchmark(BenchmarkSettings settings, List<ServiceMeasurement> serviceMeasurements) {
        this.settings = settings;
        this.serviceMeasurements = serviceMeasurements;
        this.idleCosts = new IdleCostSection(settings);
    }

    public BenchmarkResult run() throws InterruptedException {
        Directories.deleteRecursively(settings.directory());
        String postgres = null;
        List<ScaleRun> runs = new ArrayList<>();
        for (double scale : settings.worldScales()) {
            Path directory = settings.directory().resolve("scale-" + Numbers.scale(scale));
            try (EmbeddedWorld world = EmbeddedWorld.start(directory.toAbsolutePath(), 0, 0,
                    ObjectStoreServer.Storage.FILES, DatabaseServer.Durability.DURABLE)) {
                postgres = world.databases().version().replaceFirst(" on .*", "");
                runs.add(measure(world, scale, directory));
            } finally {
                Directories.deleteRecursively(directory.resolve("postgres"));
                Directories.deleteRecursively(directory.resolve("s3"));
                Directories.deleteRecursively(directory.resolve("anchors"));
            }
        }
        if (!idleCosts.isEmpty()) {
            sections.add(0, idleCosts);
        }
        return new BenchmarkResult(settings, Machine.current(), postgres, Instant.now(), runs, List.copyOf(sections));
    }

    private ScaleRun measure(EmbeddedWorld world, double scale, Path directory) throws InterruptedException {
        say("×" + Numbers.scale(scale) + ": seeding ToteSys ...");
        Instant seedingStarted = Instant.now();
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), settings.seed());
        simulator.seed(scale);
        Duration seeding = Duration.between(seedingStarted, Instant.now());
        Map<String, Long> sourceRows = sourceRows(world);
        say("×" + Numbers.scale(scale) + ": seeded " + sourceRows.values().stream().mapToLong(Long::longValue).sum()
                + " rows in " + seeding + "; running a full load ...");

        FullLoad fullLoad = FullLoad.run(world, directory, settings.liveHeapPeriod(), FULL_LOAD_TIMEOUT);
        say("×" + Numbers.scale(scale) + ": full load done in " + fullLoad.wallTime());
        Map<String, Long> warehouseRows = warehouseRows(world);
        List<StageComparison> stages = settings.scales().contains(scale)
                ? anchors(world, scale, fullLoad, directory.resolve("anchors"))
                : List.of();

        if (settings.idleScales().contains(scale) && !settings.idleWindow().isZero()) {
            idleCosts.add(IdleCost.measure(world, scale, sourceRows.values().stream().mapToLong(Long::longValue).sum(),
                    directory, settings));
        }
        IncrementalLatency latency = null;
        if (settings.latencyScales().contains(scale)) {
            boolean last = scale == settings.latencyScales().stream().mapToDouble(Double::doubleValue).max()
                    .orElseThrow();
            latency = incrementalLatency(world, simulator, directory, last ? serviceMeasurements : List.of());
        }
        return new ScaleRun(scale, seeding, sourceRows, warehouseRows, fullLoad, stages, latency);
    }

    private static List<StageComparison> anchors(EmbeddedWorld world, double scale, FullLoad fullLoad,
            Path directory) {
        say("×" + Numbers.scale(scale) + ": timing the anchors on the same rows ...");
        List<StageComparison> stages = new ArrayList<>();
        stages.add(new StageComparison("extract", fullLoad.extract(), ExtractAnchor.NAME,
                ExtractAnchor.measure(world.databases().dataSource(DatabaseServer.TOTESYS_DATABASE,
                        DatabaseServer.READER, DatabaseServer.READER_PASSWORD), directory.resolve("extract")),
                BenchmarkResult.EXTRACT_TARGET));
        stages.add(new StageComparison("transform", fullLoad.transform(), TransformAnchor.NAME,
                TransformAnchor.measure(world.s3(), EmbeddedWorld.INGEST_BUCKET, fullLoad.extracted(),
                        directory.resolve("transform")),
                BenchmarkResult.TRANSFORM_TARGET));
        LoadAnchor load = LoadAnchor.export(world.databases().warehouse(), directory.resolve("load"));
        stages.add(new StageComparison("load", fullLoad.load(), LoadAnchor.SET_WISE, load.setWise(),
                BenchmarkResult.LOAD_TARGET));
        if (scale <= NAIVE_LOAD_ANCHOR_SCALE) {
            stages.add(new StageComparison("load", fullLoad.load(), LoadAnchor.NAIVE, load.naive(), 0));
        }
        return stages;
    }

    private IncrementalLatency incrementalLatency(EmbeddedWorld world, ToteSysSimulator simulator, Path directory,
            List<ServiceMeasurement> measurements) throws InterruptedException {
        say("Measuring the incremental latency for " + settings.latencyDuration() + " ...");
        int httpPort = FreePort.find();
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_POLL_INTERVAL", settings.pollInterval());
        environment.put("ETL_STAGE_POLL_INTERVAL", settings.stagePollInterval());
        environment.put("ETL_HTTP_PORT", Integer.toString(httpPort));
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_CLUSTER_FILE_ROOT", directory.resolve("leader").toAbsolutePath().toString());
        try (PipelineService service = PipelineService.start(environment, directory.resolve("incremental.log"),
                "-Xmx" + FullLoad.MAXIMUM_HEAP)) {
            URI address = URI.create("http://127.0.0.1:" + httpPort);
            awaitReady(service, address);
            // ToteSys changes untimed first: the service's first batches after its start load and compile
            // their classes (several seconds), which an always-on service does once
            IncrementalLatency.measure(simulator, world.databases().warehouse(), settings.changesPerSecond(),
                    settings.warmUp(), LATENCY_PATIENCE);
            IncrementalLatency latency = IncrementalLatency.measure(simulator, world.databases().warehouse(),
                    settings.changesPerSecond(), settings.latencyDuration(), LATENCY_PATIENCE);
            for (ServiceMeasurement measurement : measurements) {
                sections.add(measurement.measure(world, address));
            }
            return latency;
        }
    }

    static void awaitReady(PipelineService service, URI address) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(address.resolve("/q/health/ready")).timeout(Duration.ofSeconds(2))
                .build();
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
