package io.totesys.pipeline.source;

import io.totesys.pipeline.lake.BatchId;

/**
 * The checksums of the rows one extract batch read, and the keys it found deleted, on their
 * way to the mirror of what the lake holds ({@link ChecksumMirror}): gathered as the rows
 * stream and staged in the pipeline's state a few thousand at a time, so that a whole-table
 * read never holds them all in memory. Publishing the batch makes them the live ones.
 */
public final class RowChecksums {

    /** How many checksums are gathered before they are staged. */
    static final int STAGE_EVERY = 10_000;

    private final BatchId batchId;
    private final ChecksumMirror mirror;
    private final StringBuilder pending = new StringBuilder();
    private int pendingRows;

    RowChecksums(BatchId batchId, ChecksumMirror mirror) {
        this.batchId = batchId;
        this.mirror = mirror;
    }

    /** A row read, with its checksum ({@link SourceTable}'s checksum expression). */
    void read(SourceTable table, int key, String checksum) {
        add(table, key, checksum);
    }

    /**
     * Keys the lake's key ranges take in whose rows were never extracted: the mirror holds
     * them with {@link ChecksumMirror#NOT_EXTRACTED}, so that reconciliation finds them missing.
     */
    void notExtracted(SourceTable table, SourceKeys keys) {
        keys.forEach(key -> add(table, key, ChecksumMirror.NOT_EXTRACTED));
        flush();
    }

    /** Keys found deleted: the mirror forgets them. */
    void deleted(SourceTable table, SourceKeys keys) {
        keys.forEach(key -> add(table, key, null));
        flush();
    }

    /** Stages what was gathered so far. */
    void flush() {
        if (pendingRows > 0) {
            mirror.stage(pending);
            pending.setLength(0);
            pendingRows = 0;
        }
    }

    private void add(SourceTable table, int key, String checksum) {
        pending.append(batchId.value()).append('\t').append(table.tableName()).append('\t').append(key).append('\t')
                .append(checksum == null ? "\\N" : checksum).append('\n');
        if (++pendingRows >= STAGE_EVERY) {
            flush();
        }
    }
}
