package io.totesys.pipeline.benchmark;

import java.time.Duration;
import java.util.Locale;

/** How the report writes its numbers: scales, seconds, mebibytes. */
final class Numbers {

    private Numbers() {
    }

    /** A scale as written after its ×: {@code 20}, {@code 0.1}. */
    static String scale(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%,d MiB", bytes / (1024 * 1024));
    }

    static String gibibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
