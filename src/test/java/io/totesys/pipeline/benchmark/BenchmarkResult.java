package io.totesys.pipeline.benchmark;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What one benchmark run measured, and its targets (issue 14) judged.
 *
 * @param settings what the run did
 * @param machine where it ran
 * @param postgres the PostgreSQL server's version and durability
 * @param finishedAt when it finished
 * @param runs what each scale's world measured, smallest scale first
 * @param sections what further measurements add to the report
 */
public record BenchmarkResult(BenchmarkSettings settings, Machine machine, String postgres, Instant finishedAt,
        List<ScaleRun> runs, List<ReportSection> sections) {

    /** The whole pipeline, process start to exit, against the native chain. */
    public static final double WHOLE_TARGET = 0.4;
    /** The scales at which the whole pipeline is judged. */
    public static final List<Double> WHOLE_TARGET_SCALES = List.of(20.0, 100.0);
    public static final double EXTRACT_TARGET = 0.5;
    public static final double TRANSFORM_TARGET = 0.3;
    public static final double LOAD_TARGET = 0.5;
    /** The scale whose full load must run within {@link FullLoad#MAXIMUM_HEAP}. */
    public static final double MEMORY_SCALE = 100;
    /** Peak live heap at the largest scale may be at most this many times the peak at the baseline scale. */
    public static final double HEAP_GROWTH_TARGET = 1.1;
    /** Incremental latency p95 at the {@link BenchmarkSettings#pollInterval()} extract poll. */
    public static final Duration LATENCY_TARGET = Duration.ofSeconds(5);

    public Optional<ScaleRun> run(double scale) {
        return runs.stream().filter(run -> run.scale() == scale).findFirst();
    }

    /** The runs measured against the anchors, smallest scale first. */
    public List<ScaleRun> anchoredRuns() {
        return runs.stream().filter(ScaleRun::hasAnchors).toList();
    }

    /** The run at the largest scale measured against the anchors. */
    public ScaleRun largest() {
        return run(settings.largestScale()).orElseThrow();
    }

    public Optional<ScaleRun> baseline() {
        return settings.baselineScale() > 0 ? run(settings.baselineScale()) : Optional.empty();
    }

    /** Peak live heap at the largest scale over peak live heap at the baseline scale. */
    public double heapGrowth() {
        return (double) largest().fullLoad().peakLiveHeapBytes() / baseline().orElseThrow().fullLoad()
                .peakLiveHeapBytes();
    }

    /** Every target, judged, in the order the issue lists them; then the further sections' targets. */
    public List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        for (double scale : WHOLE_TARGET_SCALES) {
            String name = String.format(Locale.ROOT, "whole pipeline at ×%s at least %.1f× the native chain",
                    Numbers.scale(scale), WHOLE_TARGET);
            targets.add(run(scale).filter(ScaleRun::hasAnchors)
                    .map(run -> Target.atLeast(name, run.wholeRatio(), WHOLE_TARGET))
                    .orElse(Target.notMeasured(name, "no full load at this scale in this run")));
        }
        for (ScaleRun run : anchoredRuns()) {
            if (!WHOLE_TARGET_SCALES.contains(run.scale())) {
                targets.add(Target.atLeast(String.format(Locale.ROOT,
                        "whole pipeline at ×%s at least %.1f× the native chain", Numbers.scale(run.scale()),
                        WHOLE_TARGET), run.wholeRatio(), WHOLE_TARGET));
            }
        }
        for (ScaleRun run : anchoredRuns()) {
            for (StageComparison stage : run.stages()) {
                if (stage.hasTarget()) {
                    targets.add(Target.atLeast(String.format(Locale.ROOT, "%s at ×%s at least %.1f× %s", stage.stage(),
                            Numbers.scale(run.scale()), stage.target(), stage.anchorName()), stage.ratio(),
                            stage.target()));
                }
            }
        }
        String heapName = String.format(Locale.ROOT, "the full load at ×%s runs with `-Xmx%s`",
                Numbers.scale(MEMORY_SCALE), FullLoad.MAXIMUM_HEAP);
        targets.add(run(MEMORY_SCALE).map(run -> new Target(heapName, "exit 0, peak heap used "
                + Numbers.mebibytes(run.fullLoad().recording().peakHeapUsedBytes()), "met"))
                .orElse(Target.notMeasured(heapName, "no full load at ×100 in this run")));
        baseline().ifPresent(baseline -> targets.add(Target.atMost(String.format(Locale.ROOT,
                "peak live heap at ×%s within %.1f× of ×%s", Numbers.scale(settings.largestScale()),
                HEAP_GROWTH_TARGET, Numbers.scale(baseline.scale())), heapGrowth(), HEAP_GROWTH_TARGET,
                String.format(Locale.ROOT, "%.2f× (%s vs %s)", heapGrowth(),
                        Numbers.mebibytes(largest().fullLoad().peakLiveHeapBytes()),
                        Numbers.mebibytes(baseline.fullLoad().peakLiveHeapBytes())))));
        for (ScaleRun run : runs) {
            if (run.latency() != null) {
                Duration p95 = run.latency().percentile(95);
                targets.add(Target.atMost(String.format(Locale.ROOT, "incremental p95 at most %s at a %s extract "
                        + "poll, at ×%s", Numbers.seconds(LATENCY_TARGET), settings.pollInterval(),
                        Numbers.scale(run.scale())), p95.toMillis(), LATENCY_TARGET.toMillis(),
                        Numbers.seconds(p95) + (run.latency().missed() > 0 ? ", " + run.latency().missed()
                                + " changes missed" : "")));
            }
        }
        sections.forEach(section -> targets.addAll(section.targets()));
        return targets;
    }
}
