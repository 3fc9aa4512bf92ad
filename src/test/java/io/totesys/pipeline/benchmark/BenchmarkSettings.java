package io.totesys.pipeline.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

/**
 * What one benchmark run does.
 *
 * @param scales the scales ToteSys is seeded at for a full load measured against the anchors (1 =
 *        the real ToteSys, about 48,000 rows), each in a world of its own
 * @param baselineScale the smaller scale whose full load's peak live heap the largest scale's is
 *        compared with; 0 for none
 * @param latencyScales the scales at which the incremental latency is measured, after their full
 *        load
 * @param seed the simulator's seed
 * @param latencyDuration how long ToteSys changes while the incremental latency is measured
 * @param changesPerSecond the steady rate of changes meanwhile
 * @param pollInterval the extract's poll interval meanwhile ({@code ETL_POLL_INTERVAL})
 * @param stagePollInterval the transform's and load's poll interval meanwhile
 *        ({@code ETL_STAGE_POLL_INTERVAL}), their fallback once the extract hands its batches on
 * @param idleScales the scales at which what an unchanged ToteSys costs its server is measured
 *        ({@link IdleCost}), after their full load
 * @param idleWindow how long each of its windows of no change lasts
 * @param idleComparison whether the idle cost measures the service reading every table every poll
 *        and with its defaults besides the variant with reconciliations (the smoke run in
 *        {@code ./mvnw verify} measures only the last, which starts, warms up and is measured as
 *        the others are, and awaits its reconciliations besides)
 * @param idleReconcileInterval how often the service reconciles in the idle cost's last variant
 *        ({@code ETL_RECONCILE_INTERVAL})
 * @param warmUp how long the service runs before a timed window starts, both the incremental
 *        latency's (its first batches after its start load and compile their classes) and each
 *        idle cost's (its first polls read every table until ToteSys's counters have been still)
 * @param liveHeapPeriod how often a full load's live heap is measured (each time with a full collection)
 * @param directory where the embedded worlds, logs and recordings go
 * @param report the Markdown file the report is written to
 */
public record BenchmarkSettings(List<Double> scales, double baselineScale, List<Double> latencyScales, long seed,
        Duration latencyDuration, double changesPerSecond, String pollInterval, String stagePollInterval,
        List<Double> idleScales, Duration idleWindow, boolean idleComparison, String idleReconcileInterval,
        Duration warmUp,
        Duration liveHeapPeriod, Path directory, Path report) {

    /** The largest of the scales measured against the anchors. */
    public double largestScale() {
        return scales.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /** Every scale the run seeds a world at, smallest first. */
    public List<Double> worldScales() {
        TreeSet<Double> all = new TreeSet<>(scales);
        all.addAll(latencyScales);
        all.addAll(idleScales);
        if (baselineScale > 0) {
            all.add(baselineScale);
        }
        return List.copyOf(all);
    }
}
