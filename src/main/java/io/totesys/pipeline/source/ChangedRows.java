package io.totesys.pipeline.source;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The changed rows of one table as CSV records, streamed from a database cursor: the
 * header record first, then one record per row, each value the source's own text or
 * {@code null} for NULL. Only one fetch of rows is ever in memory, whatever the
 * table's size.
 */
public final class ChangedRows implements Iterator<List<String>>, AutoCloseable {

    private final SourceTable table;
    private final Statement statement;
    private final ResultSet resultSet;
    private final int columnCount;
    private boolean headerPending = true;
    private boolean rowPending;
    private long rowCount;

    ChangedRows(SourceTable table, Statement statement, ResultSet resultSet) throws SQLException {
        this.table = table;
        this.statement = statement;
        this.resultSet = resultSet;
        this.columnCount = table.columns().size();
        advance();
    }

    public SourceTable table() {
        return table;
    }

    /** Whether the window holds no row at all; known before anything is read. */
    public boolean isEmpty() {
        return rowCount == 0 && !rowPending;
    }

    /** How many data rows were handed out so far: all of them once the iterator is drained. */
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
            return table.columnNames();
        }
        if (!rowPending) {
            throw new NoSuchElementException("all changed rows of " + table.tableName() + " were read");
        }
        try {
            List<String> record = new ArrayList<>(columnCount);
            for (int column = 1; column <= columnCount; column++) {
                record.add(resultSet.getString(column));
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
