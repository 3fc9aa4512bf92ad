package io.totesys.pipeline.mirror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * The checksums of the rows one extract batch read, and the keys it found deleted, on their
 * way to the mirror of what the lake holds ({@link ChecksumMirror}): streamed into the
 * pipeline's state by one {@code COPY} per table as the rows pass, which the warehouse's
 * server takes in while ToteSys's writes the next rows, so that a whole-table read neither
 * holds them in memory nor waits for them. Publishing the batch makes them the live ones.
 * Tables read at once stage theirs side by side, each on a connection of its own.
 */
public final class RowChecksums {

    private final BatchId batchId;
    private final ChecksumMirror mirror;
    private final Map<SourceTable, ChecksumMirror.Staging> staging = new ConcurrentHashMap<>();

    public RowChecksums(BatchId batchId, ChecksumMirror mirror) {
        this.batchId = batchId;
        this.mirror = mirror;
    }

    /** A row read, with its checksum ({@link SourceTable}'s checksum expression). */
    public void read(SourceTable table, int key, long checksum) {
        add(table, key, Long.toString(checksum));
    }

    /**
     * Keys the lake's key ranges take in whose rows were never extracted: the mirror holds
     * them with {@link ChecksumMirror#NOT_EXTRACTED}, so that reconciliation finds them missing.
     */
    public void notExtracted(SourceTable table, SourceKeys keys) {
        String notExtracted = Long.toString(ChecksumMirror.NOT_EXTRACTED);
        keys.forEach(key -> add(table, key, notExtracted));
        flush(table);
    }

    /** Keys found deleted: the mirror forgets them. */
    public void deleted(SourceTable table, SourceKeys keys) {
        keys.forEach(key -> add(table, key, null));
        flush(table);
    }

    /**
     * Ends the {@code COPY} of what was staged so far of the table: it is in the pipeline's
     * state once this returns.
     */
    public void flush(SourceTable table) {
        ChecksumMirror.Staging ended = staging.remove(table);
        if (ended != null) {
            ended.end();
        }
    }

    /**
     * Gives up what is being staged of the table, after a failure: the batch's staged checksums
     * are discarded with it.
     */
    public void cancel(SourceTable table) {
        ChecksumMirror.Staging cancelled = staging.remove(table);
        if (cancelled != null) {
            cancelled.cancel();
        }
    }

    private void add(SourceTable table, int key, String checksum) {
        ChecksumMirror.Staging tableStaging = staging.computeIfAbsent(table, nothingYet -> mirror.startStaging());
        String line = batchId.value() + '\t' + table.tableName() + '\t' + key + '\t'
                + (checksum == null ? "\\N" : checksum) + '\n';
        try {
            tableStaging.stream().write(line.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            cancel(table);
            throw new PipelineStateException("staging row checksums failed", new SQLException(e));
        }
    }
}
