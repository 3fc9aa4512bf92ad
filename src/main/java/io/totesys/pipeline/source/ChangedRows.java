package io.totesys.pipeline.source;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The changed rows of one table as CSV records, streamed from a database cursor: the
 * header record first (the table's columns in the lake's order, {@link SourceSchema}), then
 * one record per row, each value the source's own text or {@code null} for NULL. Only one
 * fetch of rows is ever in memory, whatever the table's size. As rows are handed out, their
 * keys join the batch's {@link SourceKeys}, their checksums its {@link RowChecksums} (the
 * query's last column), and the transactions that wrote them (the column before), from the
 * snapshot's xmin up, the batch's transactions read.
 */
public final class ChangedRows implements ExtractedRecords, AutoCloseable {

    private final SourceTable table;
    private final List<String> header;
    private final Statement statement;
    private final ResultSet resultSet;
    private final int columnCount;
    private final SourceKeys keys;
    private final long recentFrom;
    private final Set<Long> transactionsRead;
    private final RowChecksums checksums;
    private boolean headerPending = true;
    private boolean rowPending;
    private long rowCount;

    ChangedRows(SourceTable table, List<String> header, Statement statement, ResultSet resultSet, SourceKeys keys,
            long recentFrom, Set<Long> transactionsRead, RowChecksums checksums) throws SQLException {
        this.table = table;
        this.header = List.copyOf(header);
        this.statement = statement;
        this.resultSet = resultSet;
        this.columnCount = header.size();
        this.keys = keys;
        this.recentFrom = recentFrom;
        this.transactionsRead = transactionsRead;
        this.checksums = checksums;
        advance();
    }

    @Override
    public SourceTable table() {
        return table;
    }

    @Override
    public boolean deletions() {
        return false;
    }

    /** Whether the window holds no row at all; known before anything is read. */
    @Override
    public boolean isEmpty() {
        return rowCount == 0 && !rowPending;
    }

    /** How many data rows were handed out so far: all of them once the iterator is drained. */
    @Override
    public long rowCount() {
        return rowCount;
    }

    @Override
    public boolean hasNext() {
        return headerPending || rowPending;
    }

    @Override
    public List<String> next() {
        if (headerPending) {
            headerPending = false;
            return header;
        }
        if (!rowPending) {
            throw new NoSuchElementException("all changed rows of " + table.tableName() + " were read");
        }
        try {
            List<String> record = new ArrayList<>(columnCount);
            for (int column = 1; column <= columnCount; column++) {
                record.add(resultSet.getString(column));
            }
            int key = resultSet.getInt(1);
            keys.add(key);
            checksums.read(table, key, resultSet.getString(columnCount + 2));
            long transaction = resultSet.getLong(columnCount + 1);
            if (transaction >= recentFrom) {
                transactionsRead.add(transaction);
            }
            rowCount++;
            advance();
            return record;
        } catch (SQLException e) {
            throw new SourceReadException("reading changed rows of " + table.tableName() + " failed", e);
        }
    }

    private void advance() throws SQLException {
        rowPending = resultSet.next();
        if (!rowPending) {
            close();
            checksums.flush();
        }
    }

    @Override
    public void close() {
        try {
            statement.close();
        } catch (SQLException e) {
            throw new SourceReadException("closing the cursor on " + table.tableName() + " failed", e);
        }
    }
}
