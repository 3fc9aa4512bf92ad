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
 * A benchmark run as Markdown ({@code docs/benchmarks.md}): the machine, the whole pipeline
 * against the native chain at each scale, each stage against its anchors, memory,
 * incremental latency, the further sections, every target met or missed by how much, and
 * the profile of the largest full load. Whatever follows {@link #NOTES_MARKER} in the file is
 * written by hand and kept when a run rewrites it.
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
        line("Written by `./mvnw package -Pbenchmark -Dbenchmark.scale=%s` on %s.", settings.scales().stream()
                .map(Numbers::scale).collect(Collectors.joining(",")), WHEN.format(result.finishedAt()));
        line("");
        line("**Machine:** %s, %d cores, %s memory; %s. The service runs as a process of its own with `-Xmx%s`,",
                machine.processor(), machine.cores(), Numbers.gibibytes(machine.memoryBytes()), machine.java(),
                FullLoad.MAXIMUM_HEAP);
        line("beside a durable %s (`fsync` and `synchronous_commit` on, otherwise PostgreSQL's defaults;",
                result.postgres());
        line("ToteSys and the warehouse in one server) and the S3 server (s3proxy, on local disk): all on the same");
        line("machine, in the same run as the anchors, each scale in a world of its own.");
        line("");
        line("**Data:** ToteSys seeded with seed %d at %s.", settings.seed(), result.runs().stream()
                .map(run -> String.format(Locale.ROOT, "×%s (%,d rows, %s)", Numbers.scale(run.scale()),
                        run.totalSourceRows(), Numbers.seconds(run.seeding())))
                .collect(Collectors.joining(", ")));
        ScaleRun largest = result.largest();
        line("At ×%s: %s.", Numbers.scale(largest.scale()), largest.sourceRows().entrySet().stream()
                .map(entry -> entry.getKey() + " " + String.format(Locale.ROOT, "%,d", entry.getValue()))
                .collect(Collectors.joining(", ")));
        line("");
        whole();
        stages();
        memory();
        latency();
        result.sections().forEach(section -> markdown.append(section.markdown()));
        targets();
        profile();
        return markdown.toString();
    }

    private void whole() {
        line("## The whole pipeline against the native chain");
        line("");
        line("| scale | rows | the service, process start to exit | of which extract / reconciliation / transform / load | "
                + "native chain | ratio |");
        line("|---:|---:|---:|---:|---:|---:|");
        for (ScaleRun run : result.anchoredRuns()) {
            ServiceTimeline timeline = run.fullLoad().timeline();
            line("| ×%s | %,d | %s | %s / %s / %s / %s | %s | **%.2f×** |", Numbers.scale(run.scale()),
                    run.totalSourceRows(), Numbers.seconds(run.fullLoad().wallTime()),
                    Numbers.seconds(Duration.between(timeline.extractStarted(), timeline.extractPublished())),
                    Numbers.seconds(Duration.between(timeline.extractPublished(), timeline.transformStarted())),
                    Numbers.seconds(Duration.between(timeline.transformStarted(), timeline.transformPublished())),
                    Numbers.seconds(Duration.between(timeline.transformPublished(), timeline.loadCommitted())),
                    Numbers.seconds(run.nativeChain()), run.wholeRatio());
        }
        line("");
        line("The service: the packaged service's full load with `ETL_RUN_ONCE=true`, from the start of its process");
        line("to its exit (the JVM's start, Flyway, one batch of each stage) on a freshly seeded ToteSys and an empty");
        line("lake and warehouse. The native chain: the three stages' anchors below, one after the other, on the");
        line("same rows: `COPY (SELECT ...) TO` CSV files, DuckDB converting the lake's CSV objects to Parquet, and");
        line("the set-wise load. The ratio is the native chain's time over the service's.");
        line("");
    }

    private void stages() {
        line("## Each stage against its anchor");
        line("");
        line("| scale | stage | rows | time | rows/s | MB/s | anchor | anchor time | anchor rows/s | anchor MB/s | "
                + "ratio (rows/s) |");
        line("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        for (ScaleRun run : result.anchoredRuns()) {
            for (StageComparison stage : run.stages()) {
                Throughput product = stage.product();
                Throughput anchor = stage.anchor();
                line("| ×%s | %s | %,d | %s | %,.0f | %.1f | %s | %s | %,.0f | %.1f | %s |",
                        Numbers.scale(run.scale()), stage.stage(), product.rows(), Numbers.seconds(product.time()),
                        product.rowsPerSecond(), product.megabytesPerSecond(), stage.anchorName(),
                        Numbers.seconds(anchor.time()), anchor.rowsPerSecond(), anchor.megabytesPerSecond(),
                        String.format(Locale.ROOT, stage.hasTarget() ? "**%.2f×**" : "%.2f× (information)",
                                stage.ratio()));
            }
        }
        line("");
        line("Stage times leave the service's start out: the extract from its batch's snapshot to its manifest");
        line("published, the transform from there (or from the end of the reconciliation run-once mode runs when");
        line("one is due, the first time) to its Parquet batch published, the load from there to its");
        line("transaction committed. Extract: ToteSys rows read to CSV objects written (MB of CSV); anchor: `COPY");
        line("(SELECT ...) TO STDOUT` (CSV, every value quoted, the extract's order) into a file per table on local");
        line("disk. Transform: CSV rows and MB read to the star schema's Parquet objects written; anchor: DuckDB's");
        line("`COPY (SELECT * FROM read_csv(...)) TO '...parquet'` of the same CSV objects on local disk (a plain");
        line("conversion, without the star schema's derivations). Load: Parquet rows and MB read to the warehouse");
        line("transaction committed; anchors: `COPY FROM` CSV files of the warehouse's rows into copies of its");
        line("tables, in one transaction, two ways. Set-wise, as `pg_restore` does: tables without keys, `COPY`, then");
        line("the primary keys and indexes built and the foreign keys added, each validated once over its table;");
        line("naive (up to ×%s, as information): `COPY` into tables that already carry their keys and foreign",
                Numbers.scale(Benchmark.NAIVE_LOAD_ANCHOR_SCALE));
        line("keys, which PostgreSQL checks row by row.");
        line("");
    }

    private void memory() {
        line("## Memory");
        line("");
        line("| scale | full load | peak live heap | peak heap used / after a young collection | peak resident set size |");
        line("|---:|---:|---:|---:|---:|");
        for (ScaleRun run : result.runs()) {
            FullLoad load = run.fullLoad();
            line("| ×%s | %s | %s | %s / %s | %s |", Numbers.scale(run.scale()), Numbers.seconds(load.wallTime()),
                    Numbers.mebibytes(load.peakLiveHeapBytes()),
                    Numbers.mebibytes(load.recording().peakHeapUsedBytes()),
                    Numbers.mebibytes(load.recording().peakHeapAfterCollectionBytes()),
                    Numbers.mebibytes(load.peakResidentBytes()));
        }
        line("");
        line("Live heap: what the service holds, measured after a full collection every %s (which pauses it",
                Numbers.seconds(result.settings().liveHeapPeriod()));
        line("briefly: the timings above include those pauses and Java Flight Recorder). Heap used and after a young");
        line("collection from the flight recording; resident set size is the process's `VmHWM`. At each new peak");
        line("of the live heap the benchmark saves its class histogram (`target/benchmark/scale-*/peak-live-heap-histogram.txt`).");
        line("");
    }

    private void latency() {
        line("## Incremental latency");
        line("");
        line("| scale | changes | timed orders | missed | p50 | p95 |");
        line("|---:|---:|---:|---:|---:|---:|");
        for (ScaleRun run : result.runs()) {
            IncrementalLatency latency = run.latency();
            if (latency != null) {
                line("| ×%s | %,d | %d | %d | %s | %s |", Numbers.scale(run.scale()), latency.changes(),
                        latency.samples().size(), latency.missed(), Numbers.seconds(latency.percentile(50)),
                        Numbers.seconds(latency.percentile(95)));
            }
        }
        line("");
        line("After its scale's full load, the service runs on with `ETL_POLL_INTERVAL=%s` and "
                + "`ETL_STAGE_POLL_INTERVAL=%s`", result.settings().pollInterval(),
                result.settings().stagePollInterval());
        line("(other settings default; a published batch wakes the next stage at once, the stage poll is the");
        line("fallback) while ToteSys takes %s changes a second for %s (new orders, payments turning paid, edits),",
                Numbers.scale(result.settings().changesPerSecond()),
                Numbers.seconds(result.settings().latencyDuration()));
        line("after %s of the same changes untimed (the service's first batches after its start load their classes);",
                Numbers.seconds(result.settings().warmUp()));
        line("once a second the change is a new sales order, timed from its commit to its first sighting in");
        line("`fact_sales_order` (the warehouse is watched every 100 ms).");
        line("");
    }

    private void targets() {
        line("## Targets");
        line("");
        line("| target | measured | |");
        line("|---|---|---|");
        result.targets().forEach(target -> line("| %s | %s | %s |", target.name(), target.measured(),
                target.verdict()));
        line("");
    }

    private void profile() {
        ScaleRun largest = result.largest();
        FlightRecording recording = largest.fullLoad().recording();
        line("## Where the full load's time goes");
        line("");
        line("Java Flight Recording of the service during the full load at ×%s (`settings=profile`, %,d execution",
                Numbers.scale(largest.scale()), recording.samples());
        line("samples of running Java threads; time spent waiting on PostgreSQL or S3 is not sampled). In");
        line("`target/benchmark/scale-%s/`: `jfr print --events jdk.ExecutionSample full-load.jfr`, or open it in",
                Numbers.scale(largest.scale()));
        line("JDK Mission Control.");
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

    private void line(String format, Object... values) {
        markdown.append(String.format(Locale.ROOT, format, values)).append('\n');
    }
}
