package io.totesys.pipeline.benchmark;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the benchmark measured in the world it seeded at one scale: the full load, each stage
 * against its anchors (at the scales measured against them), and the incremental latency (at
 * the latency's scales).
 *
 * @param scale the scale ToteSys was seeded at
 * @param seeding how long seeding ToteSys took
 * @param sourceRows ToteSys's rows per table after seeding
 * @param warehouseRows the warehouse's rows after the full load, for a few tables and views
 * @param fullLoad the full load
 * @param stages each stage against its anchors; empty where the anchors were not run
 * @param latency the incremental latency, or {@code null} where it was not measured
 */
public record ScaleRun(double scale, Duration seeding, Map<String, Long> sourceRows, Map<String, Long> warehouseRows,
        FullLoad fullLoad, List<StageComparison> stages, IncrementalLatency latency) {

    public long totalSourceRows() {
        return sourceRows.values().stream().mapToLong(Long::longValue).sum();
    }

    public boolean hasAnchors() {
        return !stages.isEmpty();
    }

    /** The native chain: each stage's target anchor (COPY TO, DuckDB, the set-wise load) one after the other. */
    public Duration nativeChain() {
        return stages.stream().filter(StageComparison::hasTarget).map(stage -> stage.anchor().time())
                .reduce(Duration.ZERO, Duration::plus);
    }

    /** The native chain's time as a share of the service's, from process start to exit. */
    public double wholeRatio() {
        return (double) nativeChain().toNanos() / fullLoad.wallTime().toNanos();
    }
}
