package io.totesys.pipeline.benchmark;

/**
 * One stage of the pipeline timed against its anchor: the fastest way the same machine
 * moves the same data without the pipeline.
 *
 * @param stage the stage's name: extract, transform, load
 * @param product what the pipeline's stage did
 * @param anchorName what the anchor is
 * @param anchor what the anchor did
 */
public record StageComparison(String stage, Throughput product, String anchorName, Throughput anchor) {

    /** The target: each stage at least half as fast as its anchor, in rows per second. */
    public static final double TARGET_RATIO = 0.5;

    /** The stage's rows per second as a share of its anchor's. */
    public double ratio() {
        return product.rowsPerSecond() / anchor.rowsPerSecond();
    }

    public boolean meetsTarget() {
        return ratio() >= TARGET_RATIO;
    }
}
