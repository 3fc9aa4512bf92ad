package io.totesys.pipeline.benchmark;

import java.time.Duration;

/**
 * How much data one timed piece of work moved: rows, bytes and the wall time it took.
 *
 * @param rows the data rows moved
 * @param bytes the bytes moved, as the work's input or output text measures them
 * @param time the wall time
 */
public record Throughput(long rows, long bytes, Duration time) {

    public double seconds() {
        return time.toNanos() / 1e9;
    }

    public double rowsPerSecond() {
        return rows / Math.max(seconds(), 1e-9);
    }

    public double megabytesPerSecond() {
        return bytes / 1e6 / Math.max(seconds(), 1e-9);
    }

    /** Whether it moved anything and took measurable time. */
    public boolean isMeasured() {
        return rows > 0 && !time.isZero() && !time.isNegative();
    }
}
