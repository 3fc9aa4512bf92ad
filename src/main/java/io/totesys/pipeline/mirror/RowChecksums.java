package io.totesys.pipeline.mirror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
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
    private final Set<SourceTable> readWhole = ConcurrentHashMap.newKeySet();
    private final Set<SourceTable> stagedApart = ConcurrentHashMap.newKeySet();

    public RowChecksums(BatchId batchId, ChecksumMirror mirror) {
        this.batchId = batchId;
        this.mirror = mirror;
    }

    /**
     * Says that the batch reads a table whole, before its rows are read: its checksums replace
     * all the mirror holds of it, staged into a table of their own when the role may
     * ({@link WholeTableChecksums}).
     */
    public void readingWhole(SourceTable table) {
        readWhole.add(table);
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
        if (stagedApart.contains(table)) {
            StringBuilder lines = new StringBuilder();
            keys.forEach(key -> lines.append(line(table, key, notExtracted)));
            if (!lines.isEmpty()) {
                mirror.addToWholeTable(table, lines);
            }
            return;
        }
        keys.forEach(key -> add(table, key, notExtracted));
        flush(table);
    }

    /**
     * Keys found deleted: the mirror forgets them. A table read whole needs none: its
     * checksums are replaced by those of the rows read.
     */
    public void deleted(SourceTable table, SourceKeys keys) {
        if (stagedApart.contains(table)) {
            return;
        }
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

    /** Starts staging a table's checksums: apart, for a table read whole, when the role may. */
    private ChecksumMirror.Staging start(SourceTable table) {
        if (readWhole.contains(table)) {
            ChecksumMirror.Staging apart = mirror.startWholeTable(table);
            if (apart != null) {
                stagedApart.add(table);
                return apart;
            }
        }
        return mirror.startStaging();
    }

    /**
     * A key's line as the table's staging takes it, in {@code COPY}'s text format: {@code table,
     * key, checksum} apart, with the batch first otherwise; a deleted key's checksum is NULL.
     */
    private String line(SourceTable table, int key, String checksum) {
        return (stagedApart.contains(table) ? "" : batchId.value() + '\t') + table.tableName() + '\t' + key + '\t'
                + (checksum == null ? "\\N" : checksum) + '\n';
    }

    private void add(SourceTable table, int key, String checksum) {
        ChecksumMirror.Staging tableStaging = staging.computeIfAbsent(table, this::start);
        try {
            tableStaging.stream().write(line(table, key, checksum).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            cancel(table);
            throw new PipelineStateException("staging row checksums failed", new SQLException(e));
        }
    }
}
