package io.totesys.pipeline.benchmark;

import java.util.Locale;

/**
 * One target of the benchmark, judged: a row of the report's table of targets.
 *
 * @param name what the target asks, in words
 * @param measured what the run measured, in words
 * @param verdict met, missed by how much, or why it was not judged
 */
public record Target(String name, String measured, String verdict) {

    /** A ratio that must be at least the target's. */
    public static Target atLeast(String name, double ratio, double target) {
        return new Target(name, String.format(Locale.ROOT, "%.2f×", ratio), ratio >= target ? "met"
                : String.format(Locale.ROOT, "**missed**: %.1f× too slow", target / ratio));
    }

    /** A quantity that must be at most the target's; the measured text says it with its unit. */
    public static Target atMost(String name, double value, double target, String measured) {
        return new Target(name, measured, value <= target ? "met"
                : String.format(Locale.ROOT, "**missed**: %.2f× the target", value / target));
    }

    /** A target this run could not judge, and why. */
    public static Target notMeasured(String name, String why) {
        return new Target(name, "", "not measured: " + why);
    }
}
