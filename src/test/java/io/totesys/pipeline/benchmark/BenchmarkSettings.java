package io.totesys.pipeline.benchmark;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one benchmark run does.
 *
 * @param scale the scale ToteSys is seeded at (1 = the real ToteSys, about 60,000 rows)
 * @param baselineScale the smaller scale whose full load the peak heap is compared with; 0 for none
 * @param seed the simulator's seed
 * @param latencyDuration how long ToteSys changes while the incremental latency is measured
 * @param changesPerSecond the steady rate of changes meanwhile
 * @param pollInterval the extract's poll interval meanwhile ({@code ETL_POLL_INTERVAL})
 * @param stagePollInterval the transform's and load's poll interval meanwhile ({@code ETL_STAGE_POLL_INTERVAL})
 * @param liveHeapPeriod how often a full load's live heap is measured (each time with a full collection)
 * @param directory where the embedded worlds, logs and recordings go
 * @param report the Markdown file the report is written to
 */
public record BenchmarkSettings(double scale, double baselineScale, long seed, Duration latencyDuration,
        double changesPerSecond, String pollInterval, String stagePollInterval, Duration liveHeapPeriod, Path directory,
        Path report) {
}
