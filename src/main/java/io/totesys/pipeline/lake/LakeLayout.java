package io.totesys.pipeline.lake;

/**
 * The key layout of the lake (SPEC section 3), the one place that knows it.
 * <p>
 * A stage's new objects land under {@code input/}; once the next stage has consumed them
 * they move to {@code processed/} under the same relative key. Relative keys carry the
 * table, a Hive-style date partition and the batch id:
 * <pre>
 *   sales_order/date=2026-11-26/20261126T001635123Z-9f3a1c.csv
 *   _manifests/date=2026-11-26/20261126T001635123Z-9f3a1c.json
 * </pre>
 */
public final class LakeLayout {

    public static final String INPUT = "input/";
    public static final String PROCESSED = "processed/";
    public static final String MANIFESTS = "_manifests";

    private LakeLayout() {
    }

    /** The relative key of a table's data object in a batch. */
    public static String dataKey(String table, BatchId batch, String extension) {
        return table + "/date=" + batch.date() + "/" + batch + "." + extension;
    }

    /** The relative key of a batch's manifest. */
    public static String manifestKey(BatchId batch) {
        return dataKey(MANIFESTS, batch, "json");
    }

    public static String input(String relativeKey) {
        return INPUT + relativeKey;
    }

    public static String processed(String relativeKey) {
        return PROCESSED + relativeKey;
    }
}
