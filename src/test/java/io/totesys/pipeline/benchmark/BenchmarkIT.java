package io.totesys.pipeline.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The benchmark at scale 1 with short timed phases, so that the command docs/development.md
 * documents keeps working: every stage and its anchors measured on the same rows against a
 * durable PostgreSQL, the incremental latency and the idle cost (PostgreSQL alone, then the
 * service with reconciliations, the variant that runs every step the other two run and awaits
 * its reconciliations besides) measured on the running service, the warehouse complete, and the
 * report holding every row of its tables and every target judged. Timings are not asserted:
 * they depend on the machine. The measurement's own protocol ({@code -Pbenchmark}: every idle
 * variant, 15 s warm-ups, 60 s windows, a reconciliation every 10 s) is the command's default;
 * here each phase runs only as long as it takes to run it end to end: 3 s warm-ups, 2 s idle
 * windows, a reconciliation every 2 s, 5 s of timed changes.
 */
class BenchmarkIT {

    @Test
    void measuresEveryStageAgainstItsAnchorAndWritesTheReport() throws Exception {
        Path report = Path.of("target", "benchmark-it", "benchmarks.md");
        BenchmarkSettings settings = new BenchmarkSettings(List.of(1.0), 0.1, List.of(1.0), 42, Duration.ofSeconds(5),
                5, "2s", "2s", List.of(1.0), Duration.ofSeconds(2), false, "2s", Duration.ofSeconds(3),
                Duration.ofSeconds(1),
                Path.of("target", "benchmark-it"), report);
        ReportSection extra = () -> "## A further section\n\nadded by a measurement of the running service\n\n";

        BenchmarkResult result = new Benchmark(settings, List.of((world, service) -> extra)).run();
        new BenchmarkReport(result).writeTo(report);

        assertThat(result.runs()).extracting(ScaleRun::scale).containsExactly(0.1, 1.0);
        ScaleRun run = result.largest();
        assertThat(run.stages()).extracting(StageComparison::stage)
                .containsExactly("extract", "transform", "load", "load");
        assertThat(run.stages()).allSatisfy(stage -> {
            assertThat(stage.product().isMeasured()).as("%s measured", stage.stage()).isTrue();
            assertThat(stage.anchor().isMeasured()).as("%s's anchor measured", stage.anchorName()).isTrue();
        });
        StageComparison extract = run.stages().get(0);
        assertThat(extract.product().rows()).as("every ToteSys row extracted").isEqualTo(run.totalSourceRows())
                .isEqualTo(extract.anchor().rows());
        assertThat(run.stages().get(1).anchor().rows()).as("the anchor converts the same rows")
                .isEqualTo(run.totalSourceRows());
        assertThat(run.stages().get(2).anchor().rows()).as("both load anchors copy the same rows")
                .isEqualTo(run.stages().get(3).anchor().rows()).isPositive();
        assertThat(run.nativeChain()).as("the native chain: three anchors").isEqualTo(run.stages().get(0).anchor()
                .time().plus(run.stages().get(1).anchor().time()).plus(run.stages().get(2).anchor().time()));
        assertThat(run.warehouseRows().get("fact_sales_order_current")).as("every sales order in the warehouse")
                .isEqualTo(run.sourceRows().get("sales_order"));
        assertThat(run.warehouseRows().get("fact_payment_current")).isEqualTo(run.sourceRows().get("payment"));
        assertThat(run.fullLoad().peakLiveHeapBytes()).as("live heap measured").isPositive();
        assertThat(result.baseline().orElseThrow().fullLoad().peakLiveHeapBytes())
                .as("live heap at the baseline measured").isPositive();
        assertThat(run.fullLoad().recording().peakHeapUsedBytes()).isPositive();
        assertThat(run.latency().samples()).as("incremental latency sampled").isNotEmpty();
        assertThat(run.latency().missed()).as("every timed change reached the warehouse").isZero();
        assertThat(result.postgres()).startsWith("PostgreSQL");

        String markdown = Files.readString(report);
        assertThat(markdown).contains("| ×1 | extract |", "| ×1 | transform |", "| ×1 | load |", "native chain",
                "whole pipeline at ×1 at least 0.4× the native chain", "whole pipeline at ×20",
                "whole pipeline at ×100", "peak live heap at ×1 within 1.1× of ×0.1", "incremental p95 at most 5.0 s",
                "## A further section", "## What the service costs ToteSys while it does not change",
                "with a reconciliation every 2s",
                "an unchanged ToteSys at ×20 costs its server at most 0.02", "## Targets",
                "## Where the full load's time goes",
                BenchmarkReport.NOTES_MARKER);
    }
}
