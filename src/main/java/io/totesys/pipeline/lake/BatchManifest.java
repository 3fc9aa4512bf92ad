package io.totesys.pipeline.lake;

import java.time.Instant;
import java.util.List;

/**
 * A batch's manifest (SPEC section 3): written once every data object of the batch is
 * in place, so a consumer that sees it may act on the whole batch. Keys are relative
 * ({@link LakeLayout}), so the manifest stays true when the batch moves from
 * {@code input/} to {@code processed/}.
 *
 * @param batchId the batch id, the same in every hop
 * @param stage the stage that wrote the batch: {@code extract}, {@code transform}
 * @param createdAt when the manifest was written
 * @param highWater the exclusive upper bound on {@code last_updated} the batch read to,
 *        in the source's clock ({@code YYYY-MM-DD HH:MM:SS.mmm})
 * @param objects one entry per data object
 */
public record BatchManifest(String batchId, String stage, Instant createdAt, String highWater, List<Entry> objects) {

    /**
     * @param table the table the object holds
     * @param key the object's relative key
     * @param rows data rows, header excluded
     * @param bytes the object's size
     * @param sha256 hex SHA-256 of the object's bytes
     * @param windowFrom the inclusive lower bound on {@code last_updated}, or {@code null}
     *        when the batch took the whole table
     */
    public record Entry(String table, String key, long rows, long bytes, String sha256, String windowFrom) {
    }
}
