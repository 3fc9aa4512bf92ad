package io.totesys.pipeline.source;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * The rows of one table's {@code COPY} that hold a value longer than {@link #INLINE_BYTES}:
 * written to the lake's CSV after the others, each value read in pieces of
 * {@code pieceBytes}, so that however long one value is, the extract holds one piece of it.
 * <p>
 * PostgreSQL's {@code COPY} sends each row as one message, which the driver reads whole
 * ({@code CopyOut.readFromCopy}): a 300 MB value would be a 300 MB array, whatever the heap.
 * So the {@code COPY} leaves such a row's long values out and says so
 * ({@link TableQueries#changedRowsCopy}); its key, transaction and checksum are taken off as
 * for any row, and its record is written here once the {@code COPY} is done, in the same
 * snapshot, with the same bytes the {@code COPY} would have written: the lake keeps the value
 * as ToteSys has it, never cut (the transform decides what cannot go to the warehouse). Each
 * value is turned into its UTF-8 bytes once ({@code convert_to} in a subquery that is not
 * merged into the outer query) and cut into pieces by byte offset, so that reading a value
 * costs its length, not its length squared; the quotes of the CSV are doubled here, byte by
 * byte (no byte of a multi-byte UTF-8 character is a quote).
 */
final class LongValueRows {

    /** The longest value, in bytes of its text, that a {@code COPY} row carries. */
    static final int INLINE_BYTES = 1 << 20;
    /** The pieces a long value is read in, in bytes. */
    static final int PIECE_BYTES = 1 << 20;

    private static final byte[] QUOTE = {'"'};
    private static final byte[] COMMA = {','};

    private final SourceTable table;
    private final List<SourceSchema.Column> columns;
    private final Connection connection;
    private final int pieceBytes;
    private final List<Integer> keys = new ArrayList<>();

    LongValueRows(SourceTable table, SourceSchema schema, Connection connection, int pieceBytes) {
        this.table = table;
        this.columns = schema.lakeColumns();
        this.connection = connection;
        this.pieceBytes = pieceBytes;
    }

    /** A row the {@code COPY} left its long values out of: written by {@link #writeTo}. */
    void add(int key) {
        keys.add(key);
    }

    /** How many rows wait to be written. */
    int count() {
        return keys.size();
    }

    /**
     * Writes the record of every row added, each ended by {@code recordSeparator}; each piece's
     * bytes go to {@code written} as they are written, for the batch's progress line.
     */
    void writeTo(OutputStream csv, byte[] recordSeparator, LongConsumer written) {
        if (keys.isEmpty()) {
            return;
        }
        List<PreparedStatement> statements = new ArrayList<>();
        try {
            for (SourceSchema.Column column : columns) {
                PreparedStatement pieces = connection.prepareStatement(piecesQuery(column));
                statements.add(pieces);
                pieces.setFetchSize(2);
            }
            for (int key : keys) {
                for (int index = 0; index < columns.size(); index++) {
                    if (index > 0) {
                        csv.write(COMMA);
                        written.accept(COMMA.length);
                    }
                    writeValue(statements.get(index), key, columns.get(index), csv, written);
                }
                csv.write(recordSeparator);
                written.accept(recordSeparator.length);
            }
        } catch (SQLException e) {
            throw new SourceReadException("reading the long values of " + table.tableName() + " in pieces failed", e);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the long values of " + table.tableName() + " failed", e);
        } finally {
            for (PreparedStatement statement : statements) {
                try {
                    statement.close();
                } catch (SQLException e) {
                    // the snapshot's connection is rolled back and closed with the batch
                }
            }
        }
    }

    /**
     * A value of one row, as the CSV holds it: nothing for NULL, else quoted with its quotes
     * doubled, read piece by piece in order (each piece says where it starts, and a piece out
     * of order fails the batch rather than the lake holding a value ToteSys never had).
     */
    private void writeValue(PreparedStatement pieces, int key, SourceSchema.Column column, OutputStream csv,
            LongConsumer written) throws SQLException, IOException {
        pieces.setInt(1, pieceBytes);
        pieces.setInt(2, key);
        pieces.setInt(3, pieceBytes);
        long expected = 1;
        boolean quoted = false;
        try (ResultSet rows = pieces.executeQuery()) {
            while (rows.next()) {
                if (rows.getLong(1) != expected) {
                    throw new SourceReadException("the pieces of " + table.tableName() + "." + column.name()
                            + " of key " + key + " came out of order (piece at byte " + rows.getLong(1)
                            + ", expected " + expected + "): run the batch again", null);
                }
                byte[] piece = rows.getBytes(2);
                if (piece == null) {
                    return;
                }
                if (!quoted) {
                    csv.write(QUOTE);
                    written.accept(QUOTE.length);
                    quoted = true;
                }
                written.accept(writeDoublingQuotes(piece, csv));
                expected += pieceBytes;
            }
        }
        if (!quoted) {
            throw new SourceReadException(table.tableName() + " has no row with key " + key
                    + " in the batch's snapshot, though its COPY had one: run the batch again", null);
        }
        csv.write(QUOTE);
        written.accept(QUOTE.length);
    }

    private static int writeDoublingQuotes(byte[] piece, OutputStream csv) throws IOException {
        int start = 0;
        int quotes = 0;
        for (int index = 0; index < piece.length; index++) {
            if (piece[index] == '"') {
                csv.write(piece, start, index + 1 - start);
                csv.write(QUOTE);
                start = index + 1;
                quotes++;
            }
        }
        csv.write(piece, start, piece.length - start);
        return piece.length + quotes;
    }

    /**
     * The pieces of one column's lake text of the row with a key: each piece's first byte
     * (from 1) and its bytes; one NULL piece for NULL, one empty piece for an empty text.
     * Parameters: the piece size, the key, the piece size again.
     */
    private String piecesQuery(SourceSchema.Column column) {
        return "SELECT piece_start, substring(lake.value FROM piece_start FOR ?) FROM (SELECT convert_to("
                + SourceSchema.asText(column) + ", 'UTF8') AS value FROM " + table.qualifiedName() + " WHERE "
                + table.primaryKey() + " = ? OFFSET 0) lake, "
                + "generate_series(1, greatest(octet_length(lake.value), 1), ?) piece_start";
    }
}
