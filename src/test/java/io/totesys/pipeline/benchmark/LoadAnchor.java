package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The load stage's anchor: PostgreSQL's own {@code COPY FROM} of the rows the load wrote,
 * into copies of the warehouse tables (same columns, constraints and indexes), in one
 * transaction, from CSV files on local disk (writing the files is not timed). The copies
 * live in a schema of their own, dropped afterwards.
 */
final class LoadAnchor {

    static final String NAME = "COPY FROM";

    private static final String SCHEMA = "benchmark_anchor";

    private LoadAnchor() {
    }

    static Throughput measure(DataSource warehouse, Path directory) {
        try (Connection connection = warehouse.getConnection()) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            Map<WarehouseTable, Path> files = export(copy, directory);
            long rows = 0;
            long bytes = 0;
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
                statement.execute("CREATE SCHEMA " + SCHEMA);
                for (WarehouseTable table : WarehouseTable.values()) {
                    statement.execute("CREATE TABLE " + SCHEMA + "." + table.tableName() + " (LIKE public."
                            + table.tableName() + " INCLUDING CONSTRAINTS INCLUDING INDEXES)");
                }
            }
            connection.setAutoCommit(false);
            long started = System.nanoTime();
            for (Map.Entry<WarehouseTable, Path> file : files.entrySet()) {
                try (InputStream csv = Files.newInputStream(file.getValue())) {
                    rows += copy.copyIn("COPY " + SCHEMA + "." + file.getKey().tableName() + " FROM STDIN (FORMAT csv)", csv);
                }
                bytes += Files.size(file.getValue());
            }
            connection.commit();
            Duration time = Duration.ofNanos(System.nanoTime() - started);
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA " + SCHEMA + " CASCADE");
            }
            return new Throughput(rows, bytes, time);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("copying into the warehouse failed: " + e.getMessage(), e);
        }
    }

    private static Map<WarehouseTable, Path> export(CopyManager copy, Path directory) throws SQLException, IOException {
        Files.createDirectories(directory);
        Map<WarehouseTable, Path> files = new EnumMap<>(WarehouseTable.class);
        for (WarehouseTable table : WarehouseTable.values()) {
            Path file = directory.resolve(table.tableName() + ".csv");
            try (OutputStream out = Files.newOutputStream(file)) {
                copy.copyOut("COPY public." + table.tableName() + " TO STDOUT (FORMAT csv)", out);
            }
            files.put(table, file);
        }
        return files;
    }
}
