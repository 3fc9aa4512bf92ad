package io.totesys.pipeline.benchmark;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * The extract stage's anchor: PostgreSQL's own {@code COPY (SELECT ...) TO STDOUT} of every
 * ToteSys table as CSV (every value quoted), in the extract's order, as the pipeline's
 * read-only role, into a CSV file per table on local disk. Nothing reads a table out of
 * PostgreSQL faster.
 */
final class ExtractAnchor {

    static final String NAME = "`COPY (SELECT ...) TO STDOUT` to CSV files";

    private ExtractAnchor() {
    }

    static Throughput measure(DataSource totesys, Path directory) {
        long rows = 0;
        long bytes = 0;
        long started = System.nanoTime();
        try (Connection connection = totesys.getConnection()) {
            Files.createDirectories(directory);
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            for (SourceTable table : SourceTable.values()) {
                Path file = directory.resolve(table.tableName() + ".csv");
                try (OutputStream csv = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                    rows += copy.copyOut("COPY (SELECT " + String.join(", ", table.columnNames()) + " FROM "
                            + table.tableName() + " ORDER BY " + SourceTable.CHANGE_COLUMN + ", " + table.primaryKey()
                            + ") TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE *)", csv);
                }
                bytes += Files.size(file);
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("copying ToteSys out failed: " + e.getMessage(), e);
        }
        return new Throughput(rows, bytes, Duration.ofNanos(System.nanoTime() - started));
    }
}
