package io.totesys.pipeline.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * The benchmark at scale 1 with a short latency phase, so that the command the README
 * documents keeps working: every stage and its anchor measured on the same rows, the
 * warehouse complete, and the report holding every row of its tables. Timings are not
 * asserted: they depend on the machine.
 */
class BenchmarkIT {

    @Test
    void measuresEveryStageAgainstItsAnchorAndWritesTheReport() throws Exception {
        Path report = Path.of("target", "benchmark-it", "benchmarks.md");
        BenchmarkSettings settings = new BenchmarkSettings(1, 0.1, 42, Duration.ofSeconds(8), 5, "5s", "1s",
                Duration.ofSeconds(1), Path.of("target", "benchmark-it"), report);

        BenchmarkResult result = new Benchmark(settings).run();
        new BenchmarkReport(result).writeTo(report);

        assertThat(result.stages()).extracting(StageComparison::stage).containsExactly("extract", "transform", "load");
        assertThat(result.stages()).allSatisfy(stage -> {
            assertThat(stage.product().isMeasured()).as("%s measured", stage.stage()).isTrue();
            assertThat(stage.anchor().isMeasured()).as("%s's anchor measured", stage.stage()).isTrue();
        });
        StageComparison extract = result.stages().get(0);
        assertThat(extract.product().rows()).as("every ToteSys row extracted").isEqualTo(result.totalSourceRows())
                .isEqualTo(extract.anchor().rows());
        assertThat(result.stages().get(1).anchor().rows()).as("the anchor converts the same rows")
                .isEqualTo(result.totalSourceRows());
        assertThat(result.warehouseRows().get("fact_sales_order_current")).as("every sales order in the warehouse")
                .isEqualTo(result.sourceRows().get("sales_order"));
        assertThat(result.warehouseRows().get("fact_payment_current")).isEqualTo(result.sourceRows().get("payment"));
        assertThat(result.fullLoad().peakLiveHeapBytes()).as("live heap measured").isPositive();
        assertThat(result.baseline().peakLiveHeapBytes()).as("live heap at the baseline measured").isPositive();
        assertThat(result.fullLoad().recording().peakHeapUsedBytes()).isPositive();
        assertThat(result.latency().samples()).as("incremental latency sampled").isNotEmpty();
        assertThat(result.latency().missed()).as("every timed change reached the warehouse").isZero();

        String markdown = Files.readString(report);
        assertThat(markdown).contains("| extract |", "| transform |", "| load |", "full load, end to end",
                "peak live heap", "peak resident set size", "incremental latency p50 / p95", "## Targets",
                "## Where the full load's time goes", BenchmarkReport.NOTES_MARKER);
    }
}
