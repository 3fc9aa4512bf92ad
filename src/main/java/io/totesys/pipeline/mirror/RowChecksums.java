package io.totesys.pipeline.mirror;

import java.io.IOException;
import java.io.OutputStream;
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
    private final Map<SourceTable, StagedLines> staging = new ConcurrentHashMap<>();
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
        StagedLines lines = lines(table);
        try {
            lines.write(key, checksum);
        } catch (IOException e) {
            throw failed(table, e);
        }
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
        keys.forEach(key -> read(table, key, ChecksumMirror.NOT_EXTRACTED));
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
        keys.forEach(key -> {
            try {
                lines(table).writeDeleted(key);
            } catch (IOException e) {
                throw failed(table, e);
            }
        });
        flush(table);
    }

    /**
     * Ends the {@code COPY} of what was staged so far of the table: it is in the pipeline's
     * state once this returns.
     */
    public void flush(SourceTable table) {
        StagedLines ended = staging.remove(table);
        if (ended != null) {
            ended.staging.end();
        }
    }

    /**
     * Gives up what is being staged of the table, after a failure: the batch's staged checksums
     * are discarded with it.
     */
    public void cancel(SourceTable table) {
        StagedLines cancelled = staging.remove(table);
        if (cancelled != null) {
            cancelled.staging.cancel();
        }
    }

    /** The table's staging, started by its first line. */
    private StagedLines lines(SourceTable table) {
        StagedLines lines = staging.get(table);
        return lines != null ? lines : staging.computeIfAbsent(table, this::start);
    }

    /** Starts staging a table's checksums: apart, for a table read whole, when the role may. */
    private StagedLines start(SourceTable table) {
        if (readWhole.contains(table)) {
            ChecksumMirror.Staging apart = mirror.startWholeTable(table);
            if (apart != null) {
                stagedApart.add(table);
                return new StagedLines(apart, table.tableName() + '\t');
            }
        }
        return new StagedLines(mirror.startStaging(), batchId.value() + '\t' + table.tableName() + '\t');
    }

    private PipelineStateException failed(SourceTable table, IOException e) {
        cancel(table);
        return new PipelineStateException("staging row checksums failed", new SQLException(e));
    }

    /**
     * A key's line as a table staged apart takes it, in {@code COPY}'s text format: {@code table,
     * key, checksum}.
     */
    private static String line(SourceTable table, int key, String checksum) {
        return table.tableName() + '\t' + key + '\t' + checksum + '\n';
    }

    /**
     * The {@code COPY} of one table's lines, in its text format: {@code table, key, checksum}
     * apart, with the batch first otherwise; a deleted key's checksum is NULL. A line goes into
     * the stream as bytes, without a string of its own: a whole table's read writes one for
     * every row. One thread writes a table's lines at a time.
     */
    private static final class StagedLines {

        private static final byte[] NULL = "\\N".getBytes(StandardCharsets.US_ASCII);

        private final ChecksumMirror.Staging staging;
        private final byte[] start;
        private final byte[] digits = new byte[20];

        StagedLines(ChecksumMirror.Staging staging, String start) {
            this.staging = staging;
            this.start = start.getBytes(StandardCharsets.UTF_8);
        }

        void write(int key, long checksum) throws IOException {
            OutputStream stream = begin(key);
            number(stream, checksum);
            stream.write('\n');
        }

        void writeDeleted(int key) throws IOException {
            OutputStream stream = begin(key);
            stream.write(NULL);
            stream.write('\n');
        }

        /** Writes a line's start up to its checksum. */
        private OutputStream begin(int key) throws IOException {
            OutputStream stream = staging.stream();
            stream.write(start);
            number(stream, key);
            stream.write('\t');
            return stream;
        }

        /** The number in decimal, as {@link Long#toString(long)} writes it. */
        private void number(OutputStream stream, long value) throws IOException {
            int position = digits.length;
            long rest = value;
            do {
                digits[--position] = (byte) ('0' + Math.abs(rest % 10));
                rest /= 10;
            } while (rest != 0);
            if (value < 0) {
                digits[--position] = '-';
            }
            stream.write(digits, position, digits.length - position);
        }
    }
}
