package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import io.totesys.pipeline.source.SourceTable;

/**
 * The extract stage's anchor: PostgreSQL's own {@code COPY (SELECT ...) TO STDOUT} of every
 * ToteSys table as CSV, in the extract's order, as the pipeline's read-only role, to a
 * client that only counts the bytes. Nothing reads a table out of PostgreSQL faster.
 */
final class ExtractAnchor {

    static final String NAME = "COPY (SELECT ...) TO STDOUT";

    private ExtractAnchor() {
    }

    static Throughput measure(DataSource totesys) {
        long rows = 0;
        CountingOutputStream csv = new CountingOutputStream();
        long started = System.nanoTime();
        try (Connection connection = totesys.getConnection()) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            for (SourceTable table : SourceTable.values()) {
                rows += copy.copyOut("COPY (SELECT " + String.join(", ", table.columnNames()) + " FROM "
                        + table.tableName() + " ORDER BY " + SourceTable.CHANGE_COLUMN + ", " + table.primaryKey()
                        + ") TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE *)", csv);
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("copying ToteSys out failed: " + e.getMessage(), e);
        }
        return new Throughput(rows, csv.bytes(), Duration.ofNanos(System.nanoTime() - started));
    }
}
