package io.totesys.pipeline.benchmark;

/**
 * One stage of the pipeline timed against an anchor: a native tool moving the same rows on
 * the same machine without the pipeline. The stage's time leaves the service's start out.
 *
 * @param stage the stage's name: extract, transform, load
 * @param product what the pipeline's stage did
 * @param anchorName what the anchor is
 * @param anchor what the anchor did
 * @param target the least ratio the stage must reach against this anchor; 0 where the anchor is
 *        only information
 */
public record StageComparison(String stage, Throughput product, String anchorName, Throughput anchor,
        double target) {

    /** The stage's rows per second as a share of its anchor's. */
    public double ratio() {
        return product.rowsPerSecond() / anchor.rowsPerSecond();
    }

    public boolean hasTarget() {
        return target > 0;
    }
}
