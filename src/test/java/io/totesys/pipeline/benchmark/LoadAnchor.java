package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The load stage's anchor: PostgreSQL's own {@code COPY FROM} of the rows the load wrote,
 * dimensions first, into copies of the warehouse tables (same columns, keys, indexes and
 * foreign keys), in one transaction, from CSV files on local disk (writing the files is not
 * timed). The copies live in a schema of their own, dropped afterwards.
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
                copyForeignKeys(statement);
            }
            connection.setAutoCommit(false);
            long started = System.nanoTime();
            for (Map.Entry<WarehouseTable, Path> file : files.entrySet()) {
                try (InputStream csv = Files.newInputStream(file.getValue())) {
                    rows += copy.copyIn("COPY " + SCHEMA + "." + file.getKey().tableName()
                            + " FROM STDIN (FORMAT csv)", csv);
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

    /** Declares the warehouse's foreign keys on the copies, between the copies. */
    private static void copyForeignKeys(Statement statement) throws SQLException {
        List<String> foreignKeys = new ArrayList<>();
        try (ResultSet constraints = statement.executeQuery("""
                SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                  FROM pg_constraint
                 WHERE contype = 'f' AND connamespace = 'public'::regnamespace""")) {
            while (constraints.next()) {
                String table = constraints.getString(1).replaceFirst("^public\\.", "");
                String definition = constraints.getString(3).replaceFirst("REFERENCES (public\\.)?",
                        "REFERENCES " + SCHEMA + ".");
                foreignKeys.add("ALTER TABLE " + SCHEMA + "." + table + " ADD CONSTRAINT " + constraints.getString(2)
                        + " " + definition);
            }
        }
        for (String foreignKey : foreignKeys) {
            statement.execute(foreignKey);
        }
    }

    private static Map<WarehouseTable, Path> export(CopyManager copy, Path directory) throws SQLException, IOException {
        Files.createDirectories(directory);
        Map<WarehouseTable, Path> files = new LinkedHashMap<>();
        List<WarehouseTable> dimensionsFirst = Arrays.stream(WarehouseTable.values())
                .sorted(Comparator.comparing(WarehouseTable::isFact)).toList();
        for (WarehouseTable table : dimensionsFirst) {
            Path file = directory.resolve(table.tableName() + ".csv");
            try (OutputStream out = Files.newOutputStream(file)) {
                copy.copyOut("COPY public." + table.tableName() + " TO STDOUT (FORMAT csv)", out);
            }
            files.put(table, file);
        }
        return files;
    }
}
