package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A benchmark run as Markdown ({@code docs/benchmarks.md}): the machine, each stage against
 * its anchor, the full load, memory, incremental latency, every target met or missed by how
 * much, and the profile of the full load. Whatever follows {@link #NOTES_MARKER} in the file
 * is written by hand and kept when a run rewrites it.
 */
public final class BenchmarkReport {

    /** The line after which the file's hand-written notes start. */
    public static final String NOTES_MARKER = "<!-- Notes: written by hand, kept when the benchmark rewrites this file -->";

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final BenchmarkResult result;
    private final StringBuilder markdown = new StringBuilder();

    public BenchmarkReport(BenchmarkResult result) {
        this.result = result;
    }

    /** Writes the report, keeping the notes of the file it replaces. */
    public void writeTo(Path file) {
        try {
            String notes = Files.exists(file) ? notesOf(Files.readString(file)) : "";
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, render() + "\n" + NOTES_MARKER + "\n" + notes);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the benchmark report failed", e);
        }
    }

    private static String notesOf(String report) {
        int marker = report.indexOf(NOTES_MARKER);
        return marker < 0 ? "" : report.substring(marker + NOTES_MARKER.length()).replaceFirst("^\\n", "");
    }

    public String render() {
        markdown.setLength(0);
        BenchmarkSettings settings = result.settings();
        Machine machine = result.machine();
        line("# Benchmarks");
        line("");
        line("Written by `./mvnw package -Pbenchmark -Dbenchmark.scale=%s` on %s.", number(settings.scale()),
                WHEN.format(result.finishedAt()));
        line("");
        line("**Machine:** %s, %d cores, %s memory; %s. The service runs as a process of its own with `-Xmx%s`,",
                machine.processor(), machine.cores(), gibibytes(machine.memoryBytes()), machine.java(),
                FullLoad.MAXIMUM_HEAP);
        line("beside PostgreSQL (ToteSys and the warehouse in one server) and the S3 server (s3proxy, on local disk):");
        line("all on the same machine, in the same run as the anchors.");
        line("");
        line("**Data:** ToteSys seeded at scale ×%s (seed %d) in %s: %,d rows (%s).", number(settings.scale()),
                settings.seed(), seconds(result.seeding()), result.totalSourceRows(),
                result.sourceRows().entrySet().stream().map(entry -> entry.getKey() + " " + String.format(Locale.ROOT,
                        "%,d", entry.getValue())).collect(Collectors.joining(", ")));
        line("");
        stages();
        fullLoad();
        targets();
        profile();
        return markdown.toString();
    }

    private void stages() {
        line("## Each stage against its anchor, full load at ×%s", number(result.settings().scale()));
        line("");
        line("| stage | rows | time | rows/s | MB/s | anchor | anchor time | anchor rows/s | anchor MB/s | ratio (rows/s) |");
        line("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        for (StageComparison stage : result.stages()) {
            Throughput product = stage.product();
            Throughput anchor = stage.anchor();
            line("| %s | %,d | %s | %,.0f | %.1f | %s | %s | %,.0f | %.1f | **%.2f×** |", stage.stage(), product.rows(),
                    seconds(product.time()), product.rowsPerSecond(), product.megabytesPerSecond(), stage.anchorName(),
                    seconds(anchor.time()), anchor.rowsPerSecond(), anchor.megabytesPerSecond(), stage.ratio());
        }
        line("");
        line("Extract: ToteSys rows read to CSV objects written (MB of CSV); anchor: `COPY (SELECT ...) TO STDOUT`");
        line("(CSV, every value quoted, same order) to a client that discards it. Transform: CSV rows and MB read to");
        line("the star schema's Parquet objects written; anchor: DuckDB's `COPY (SELECT * FROM read_csv(...)) TO");
        line("'...parquet'` of the same CSV files on local disk. Load: Parquet rows and MB read to the warehouse");
        line("transaction committed (staging `COPY`, merges, load log); anchor: `COPY FROM` of the warehouse's rows");
        line("into copies of its tables (same keys, indexes and foreign keys), dimensions first, in one transaction.");
        line("");
    }

    private void fullLoad() {
        FullLoad load = result.fullLoad();
        ServiceTimeline timeline = load.timeline();
        line("## Full load, memory and incremental latency");
        line("");
        line("| measure | value |");
        line("|---|---:|");
        line("| full load, end to end (process start to exit, `ETL_RUN_ONCE=true`) | %s |", seconds(load.wallTime()));
        line("| of which extract / transform / load | %s / %s / %s |",
                seconds(Duration.between(timeline.extractStarted(), timeline.extractPublished())),
                seconds(Duration.between(timeline.extractPublished(), timeline.transformPublished())),
                seconds(Duration.between(timeline.transformPublished(), timeline.loadCommitted())));
        line("| peak live heap (after a full collection, every %s) | %s |", seconds(result.settings().liveHeapPeriod()),
                mebibytes(load.peakLiveHeapBytes()));
        line("| peak heap used (garbage included) / after a young collection | %s / %s |",
                mebibytes(load.recording().peakHeapUsedBytes()),
                mebibytes(load.recording().peakHeapAfterCollectionBytes()));
        line("| peak resident set size (VmHWM) | %s |", mebibytes(load.peakResidentBytes()));
        FullLoad baseline = result.baseline();
        if (baseline != null) {
            line("| baseline ×%s: full load / peak live heap / peak heap used / peak RSS | %s / %s / %s / %s |",
                    number(result.settings().baselineScale()), seconds(baseline.wallTime()),
                    mebibytes(baseline.peakLiveHeapBytes()), mebibytes(baseline.recording().peakHeapUsedBytes()),
                    mebibytes(baseline.peakResidentBytes()));
        }
        IncrementalLatency latency = result.latency();
        line("| incremental latency p50 / p95 (%d samples, %d missed) | %s / %s |", latency.samples().size(),
                latency.missed(), seconds(result.latencyPercentile(50)), seconds(result.latencyPercentile(95)));
        line("");
        line("Incremental latency: the service runs on with `ETL_POLL_INTERVAL=%s` and `ETL_STAGE_POLL_INTERVAL=%s`",
                result.settings().pollInterval(), result.settings().stagePollInterval());
        line("(other settings default) while ToteSys takes %s changes a second for %s (%,d changes: new orders,",
                number(latency.changesPerSecond()), seconds(result.settings().latencyDuration()), latency.changes());
        line("payments turning paid, edits); once a second the change is a new sales order, timed from its commit");
        line("to its first sighting in `fact_sales_order` (the warehouse is watched every 100 ms).");
        line("");
    }

    private void targets() {
        line("## Targets");
        line("");
        line("| target | measured | |");
        line("|---|---|---|");
        for (StageComparison stage : result.stages()) {
            line("| %s at least %.1f× its anchor's rows/s | %.2f× | %s |", stage.stage(), StageComparison.TARGET_RATIO,
                    stage.ratio(), stage.meetsTarget() ? "met"
                            : String.format(Locale.ROOT, "**missed**: %.1f× too slow",
                                    StageComparison.TARGET_RATIO / stage.ratio()));
        }
        double scale = result.settings().scale();
        Duration wallTime = result.fullLoad().wallTime();
        if (scale == 100) {
            line("| full ×100 load under %s | %s | %s |", seconds(BenchmarkResult.FULL_LOAD_TARGET), seconds(wallTime),
                    verdict(wallTime, BenchmarkResult.FULL_LOAD_TARGET));
        } else {
            Duration projected = result.fullLoadAtHundred();
            line("| full ×100 load under %s | %s at ×%s; ×100 projected linearly: %s | %s |",
                    seconds(BenchmarkResult.FULL_LOAD_TARGET), seconds(wallTime), number(scale), seconds(projected),
                    "not measured at ×100; projected " + verdict(projected, BenchmarkResult.FULL_LOAD_TARGET));
        }
        line("| the load runs with `-Xmx%s` | exit 0, peak heap used %s | met |", FullLoad.MAXIMUM_HEAP,
                mebibytes(result.fullLoad().recording().peakHeapUsedBytes()));
        if (result.baseline() != null) {
            double growth = result.heapGrowth();
            line("| peak live heap at ×%s within %.1f× of ×%s | %.2f× (%s vs %s) | %s |", number(scale),
                    BenchmarkResult.HEAP_GROWTH_TARGET, number(result.settings().baselineScale()), growth,
                    mebibytes(result.fullLoad().peakLiveHeapBytes()), mebibytes(result.baseline().peakLiveHeapBytes()),
                    growth <= BenchmarkResult.HEAP_GROWTH_TARGET ? "met" : String.format(Locale.ROOT,
                            "**missed** by %.2f×", growth / BenchmarkResult.HEAP_GROWTH_TARGET));
        }
        Duration p95 = result.latencyPercentile(95);
        line("| incremental p95 at most %s at a %s poll | %s | %s |", seconds(BenchmarkResult.LATENCY_TARGET),
                result.settings().pollInterval(), seconds(p95), verdict(p95, BenchmarkResult.LATENCY_TARGET));
        line("");
    }

    private void profile() {
        FlightRecording recording = result.fullLoad().recording();
        line("## Where the full load's time goes");
        line("");
        line("Java Flight Recording of the service during the full load (`settings=profile`, %,d execution samples",
                recording.samples());
        line("of running Java threads; time spent waiting on PostgreSQL or S3 is not sampled). In `target/benchmark/`:");
        line("`jfr print --events jdk.ExecutionSample full-load.jfr`, or open it in JDK Mission Control.");
        line("");
        methods("Methods on top of the stack (self time)", recording.hotMethods(), recording.samples());
        methods("The pipeline's own methods anywhere on the stack (total time)", recording.hotProjectMethods(),
                recording.samples());
    }

    private void methods(String title, Map<String, Long> methods, long samples) {
        line("| %s | samples | share |", title);
        line("|---|---:|---:|");
        methods.forEach((method, count) -> line("| `%s` | %,d | %.1f%% |", method, count, 100.0 * count / samples));
        line("");
    }

    private static String verdict(Duration measured, Duration target) {
        return measured.compareTo(target) <= 0 ? "met"
                : String.format(Locale.ROOT, "**missed** by %s (%.1f×)", seconds(measured.minus(target)),
                        (double) measured.toMillis() / target.toMillis());
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%,d MiB", bytes / (1024 * 1024));
    }

    private static String gibibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private void line(String format, Object... values) {
        markdown.append(String.format(Locale.ROOT, format, values)).append('\n');
    }
}
