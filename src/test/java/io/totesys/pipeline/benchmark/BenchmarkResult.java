package io.totesys.pipeline.benchmark;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one benchmark run measured.
 *
 * @param settings what the run did
 * @param machine where it ran
 * @param finishedAt when it finished
 * @param seeding how long seeding ToteSys took
 * @param sourceRows ToteSys's rows per table after seeding
 * @param warehouseRows the warehouse's rows after the full load, for a few tables and views
 * @param fullLoad the full load at the chosen scale
 * @param baseline the full load at the baseline scale, or {@code null}
 * @param stages each stage against its anchor
 * @param latency the incremental latency
 */
public record BenchmarkResult(BenchmarkSettings settings, Machine machine, Instant finishedAt, Duration seeding,
        Map<String, Long> sourceRows, Map<String, Long> warehouseRows, FullLoad fullLoad, FullLoad baseline,
        List<StageComparison> stages, IncrementalLatency latency) {

    /** A full load at ×100 must end within this. */
    public static final Duration FULL_LOAD_TARGET = Duration.ofMinutes(3);
    /** Peak heap at a scale may be at most this many times the peak heap at a tenth of it. */
    public static final double HEAP_GROWTH_TARGET = 1.3;
    /** Incremental latency p95 at a 5 s poll interval. */
    public static final Duration LATENCY_TARGET = Duration.ofSeconds(10);

    public long totalSourceRows() {
        return sourceRows.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Peak live heap at the chosen scale over peak live heap at the baseline scale. */
    public double heapGrowth() {
        return (double) fullLoad.peakLiveHeapBytes() / baseline.peakLiveHeapBytes();
    }

    /** The full load's wall time, as if ToteSys were ×100: the target's scale. */
    public Duration fullLoadAtHundred() {
        return Duration.ofMillis(Math.round(fullLoad.wallTime().toMillis() * 100 / settings.scale()));
    }

    public Duration latencyPercentile(double percent) {
        return latency.percentile(percent);
    }
}
