package io.totesys.pipeline.source;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.mirror.RowChecksums;
import io.totesys.pipeline.stage.BatchProgress;

/**
 * The changed rows of one table, written as the lake's CSV by PostgreSQL itself
 * ({@code COPY (SELECT ...) TO STDOUT}, in the batch's snapshot): the header record first
 * (the table's columns in the lake's order, {@link SourceSchema}), then one record per row,
 * each value rendered by the {@code SELECT} as the lake has always held it, quoted, NULL as an
 * empty unquoted field, and each record ended by {@link #RECORD_SEPARATOR}.
 * <p>
 * {@code COPY} sends every row as a message of its own, which starts with four values the
 * lake does not carry: the row's key, the id of the transaction that wrote it, its checksum
 * and whether it holds a value too long for one message ({@link TableQueries#changedRowsCopy}).
 * They are taken off as the row passes: the key joins the batch's {@link SourceKeys}, the
 * checksum its {@link RowChecksums}, and the transaction, from the snapshot's xmin up, the
 * batch's transactions read. Nothing else is parsed: the rest of the message goes to the object
 * as it is, but for a row with a long value, whose record is written after the others, its
 * values read in pieces ({@link LongValueRows}): one value, however long, never has to fit in
 * the heap.
 */
public final class ChangedRows {

    private static final Logger LOG = Logger.getLogger(ChangedRows.class);

    /** How records end in the lake's CSV objects, as they always have: CRLF, RFC 4180's. */
    static final byte[] RECORD_SEPARATOR = {'\r', '\n'};

    /** The four values each copied row starts with, that the lake does not carry. */
    private static final int PREFIX_VALUES = 4;
    /** How often the rows copied so far are handed to the batch's progress. */
    private static final int PROGRESS_ROWS = 1024;
    /** The most digits a {@code bigint} has. */
    private static final int BIGINT_DIGITS = 19;

    private final SourceTable table;
    private final SourceSchema schema;
    private final SnapshotConnections connections;
    private final String copy;
    private final SourceKeys keys;
    private final long recentFrom;
    private final Set<Long> transactionsRead;
    private final RowChecksums checksums;

    ChangedRows(SourceTable table, SourceSchema schema, SnapshotConnections connections, String copy,
            SourceKeys keys, long recentFrom, Set<Long> transactionsRead, RowChecksums checksums) {
        this.table = table;
        this.schema = schema;
        this.connections = connections;
        this.copy = copy;
        this.keys = keys;
        this.recentFrom = recentFrom;
        this.transactionsRead = transactionsRead;
        this.checksums = checksums;
    }

    public SourceTable table() {
        return table;
    }

    /**
     * Writes the header and every row, saying how far it got to {@code progress}; returns how
     * many rows there were (the header not counted). The rows are read on a connection of the
     * snapshot's that is this table's alone while it is read.
     */
    public long writeTo(OutputStream csv, BatchProgress progress) {
        Connection connection;
        try {
            connection = connections.borrow();
        } catch (SQLException e) {
            throw new SourceReadException("reading changed rows of " + table.tableName() + " failed", e);
        }
        try {
            return writeTo(connection, csv, progress);
        } finally {
            connections.giveBack(connection);
        }
    }

    private long writeTo(Connection connection, OutputStream csv, BatchProgress progress) {
        CopyOut out = null;
        long rows = 0;
        long started = System.nanoTime();
        LongValueRows longValueRows = new LongValueRows(table, schema, connection, LongValueRows.PIECE_BYTES);
        try {
            csv.write(ExtractedCsv.FORMAT.format(schema.lakeColumnNames().toArray()).getBytes(StandardCharsets.UTF_8));
            csv.write(RECORD_SEPARATOR);
            out = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(copy);
            byte[] row;
            long bytes = 0;
            while ((row = out.readFromCopy()) != null) {
                int start = takeOffPrefix(row, longValueRows);
                if (start > 0) {
                    csv.write(row, start, row.length - 1 - start);
                    csv.write(RECORD_SEPARATOR);
                    bytes += row.length + 1 - start;
                }
                rows++;
                if (rows % PROGRESS_ROWS == 0) {
                    progress.bytes(bytes);
                    bytes = 0;
                    progress.rows(rows);
                }
            }
            progress.bytes(bytes);
            progress.rows(rows);
            if (longValueRows.count() > 0) {
                LOG.infof("%s: %d of %d rows hold a value longer than %d bytes: written last, in pieces",
                        table.tableName(), longValueRows.count(), rows, LongValueRows.INLINE_BYTES);
                longValueRows.writeTo(csv, RECORD_SEPARATOR, progress::bytes);
            }
            long copied = System.nanoTime();
            checksums.flush(table);
            LOG.debugf("%s: %d rows copied in %d ms, checksums staged in %d ms more", table.tableName(), rows,
                    (copied - started) / 1_000_000, (System.nanoTime() - copied) / 1_000_000);
            return rows;
        } catch (SQLException e) {
            checksums.cancel(table);
            throw new SourceReadException("reading changed rows of " + table.tableName() + " failed", e);
        } catch (IOException e) {
            checksums.cancel(table);
            throw new UncheckedIOException("writing changed rows of " + table.tableName() + " failed", e);
        } catch (RuntimeException e) {
            checksums.cancel(table);
            throw e;
        } finally {
            cancel(out);
        }
    }

    /**
     * Takes the key, transaction, checksum and long-value flag off a copied row
     * ({@code "1","745","-4460245316364164410","f",...\n}); returns where the lake's record starts, or 0 for
     * a row with a long value, left to {@link LongValueRows}.
     */
    private int takeOffPrefix(byte[] row, LongValueRows longValueRows) {
        if (row.length == 0 || row[row.length - 1] != '\n' || row[0] != '"') {
            throw malformed(row);
        }
        int end = valueEnd(row, 1);
        int rowKey = Math.toIntExact(number(row, 1, end));
        int position = nextValue(row, end);
        end = valueEnd(row, position);
        long transaction = number(row, position, end);
        position = nextValue(row, end);
        end = valueEnd(row, position);
        long checksum = number(row, position, end);
        position = nextValue(row, end);
        boolean longValue = row[position] == 't';
        if (!longValue && row[position] != 'f' || position + 2 >= row.length || row[position + 1] != '"'
                || row[position + 2] != ',') {
            throw malformed(row);
        }
        keys.add(rowKey);
        checksums.read(table, rowKey, checksum);
        if (transaction >= recentFrom) {
            transactionsRead.add(transaction);
        }
        if (longValue) {
            longValueRows.add(rowKey);
            return 0;
        }
        return position + 3;
    }

    /** Steps from a value's closing quote over {@code ,"} to the next value's first character. */
    private int nextValue(byte[] row, int closingQuote) {
        if (closingQuote + 2 >= row.length || row[closingQuote + 1] != ',' || row[closingQuote + 2] != '"') {
            throw malformed(row);
        }
        return closingQuote + 3;
    }

    /** Where the quoted value that starts at {@code start} ends: its closing quote. */
    private static int valueEnd(byte[] row, int start) {
        int end = start;
        while (end < row.length && row[end] != '"') {
            end++;
        }
        return end;
    }

    /**
     * The decimal number from {@code start} to before {@code end}, a minus sign first if it is
     * negative: at least one digit and at most a {@code bigint}'s 19. It is summed up negative,
     * so that {@code bigint}'s least value fits.
     */
    private long number(byte[] row, int start, int end) {
        boolean negative = start < end && row[start] == '-';
        int first = negative ? start + 1 : start;
        if (first == end || end - first > BIGINT_DIGITS) {
            throw malformed(row);
        }
        long value = 0;
        for (int position = first; position < end; position++) {
            value = value * 10 - digit(row, position);
        }
        return negative ? value : Math.negateExact(value);
    }

    private int digit(byte[] row, int position) {
        int digit = row[position] - '0';
        if (digit < 0 || digit > 9) {
            throw malformed(row);
        }
        return digit;
    }

    private SourceReadException malformed(byte[] row) {
        String start = new String(row, 0, Math.min(row.length, 80), StandardCharsets.UTF_8);
        return new SourceReadException("a row of " + table.tableName() + " copied out of ToteSys does not start with "
                + PREFIX_VALUES + " quoted values (key, transaction, checksum, long value): " + start, null);
    }

    private void cancel(CopyOut out) {
        if (out != null && out.isActive()) {
            try {
                out.cancelCopy();
            } catch (SQLException e) {
                // the snapshot's connection is rolled back and closed with the batch
            }
        }
    }
}
