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
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The load stage's anchors: PostgreSQL's own {@code COPY FROM} of the rows the load wrote,
 * from CSV files on local disk (writing the files is not timed), into copies of the
 * warehouse tables in a schema of their own (dropped afterwards), in one transaction each,
 * two ways.
 * <ul>
 * <li>{@link #SET_WISE}, the bulk-load pattern of {@code pg_restore}: the tables without keys,
 * indexes or foreign keys; {@code COPY}; then the primary and unique keys and the indexes
 * built, and the foreign keys added, each validated once over the whole table (set-wise).
 * The target's anchor.</li>
 * <li>{@link #NAIVE}: {@code COPY}, dimensions first, into tables that already carry their keys,
 * indexes and foreign keys, which PostgreSQL then checks row by row. Information: what a
 * load that leaves the constraints in place costs.</li>
 * </ul>
 */
final class LoadAnchor {

    static final String SET_WISE = "`COPY`, then keys and foreign keys (`pg_restore`)";
    static final String NAIVE = "`COPY` into tables with their foreign keys";

    private static final String SCHEMA = "benchmark_anchor";

    private final DataSource warehouse;
    private final Map<WarehouseTable, Path> files;
    private final long bytes;

    private LoadAnchor(DataSource warehouse, Map<WarehouseTable, Path> files) throws IOException {
        this.warehouse = warehouse;
        this.files = files;
        long size = 0;
        for (Path file : files.values()) {
            size += Files.size(file);
        }
        this.bytes = size;
    }

    /** Writes the warehouse's rows to CSV files in the directory, dimensions first, for the anchors to copy in. */
    static LoadAnchor export(DataSource warehouse, Path directory) {
        try (Connection connection = warehouse.getConnection()) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
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
            return new LoadAnchor(warehouse, files);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("copying the warehouse out failed: " + e.getMessage(), e);
        }
    }

    /** The pattern of {@code pg_restore}: copy into bare tables, then build the keys and check the foreign keys once. */
    Throughput setWise() {
        return measure(false);
    }

    /** Copy into tables that carry their keys, indexes and foreign keys already. */
    Throughput naive() {
        return measure(true);
    }

    private Throughput measure(boolean constraintsFirst) {
        try (Connection connection = warehouse.getConnection()) {
            Definitions definitions = Definitions.read(connection);
            createTables(connection, constraintsFirst ? " INCLUDING INDEXES" : "");
            if (constraintsFirst) {
                execute(connection, definitions.foreignKeys());
            }
            connection.setAutoCommit(false);
            long started = System.nanoTime();
            long rows = copyIn(connection);
            if (!constraintsFirst) {
                execute(connection, definitions.keys());
                execute(connection, definitions.indexes());
                execute(connection, definitions.foreignKeys());
            }
            connection.commit();
            Duration time = Duration.ofNanos(System.nanoTime() - started);
            dropSchema(connection);
            return new Throughput(rows, bytes, time);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("the " + (constraintsFirst ? "naive" : "set-wise") + " load anchor failed: "
                    + e.getMessage(), e);
        }
    }

    private static void execute(Connection connection, List<String> statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static void createTables(Connection connection, String including) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            statement.execute("CREATE SCHEMA " + SCHEMA);
            for (WarehouseTable table : WarehouseTable.values()) {
                statement.execute("CREATE TABLE " + SCHEMA + "." + table.tableName() + " (LIKE public."
                        + table.tableName() + " INCLUDING CONSTRAINTS" + including + ")");
            }
        }
    }

    private long copyIn(Connection connection) throws SQLException, IOException {
        CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
        long rows = 0;
        for (Map.Entry<WarehouseTable, Path> file : files.entrySet()) {
            try (InputStream csv = Files.newInputStream(file.getValue())) {
                rows += copy.copyIn("COPY " + SCHEMA + "." + file.getKey().tableName() + " FROM STDIN (FORMAT csv)",
                        csv);
            }
        }
        return rows;
    }

    private static void dropSchema(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA " + SCHEMA + " CASCADE");
        }
    }

    /**
     * The warehouse tables' keys, other indexes and foreign keys, as statements on the copies.
     *
     * @param keys primary keys and unique constraints
     * @param indexes indexes that back no constraint
     * @param foreignKeys foreign keys, between the copies
     */
    private record Definitions(List<String> keys, List<String> indexes, List<String> foreignKeys) {

        static Definitions read(Connection connection) throws SQLException {
            String tables = Arrays.stream(WarehouseTable.values()).map(table -> "'" + table.tableName() + "'")
                    .collect(Collectors.joining(", "));
            List<String> keys = new ArrayList<>();
            List<String> foreignKeys = new ArrayList<>();
            List<String> indexes = new ArrayList<>();
            try (Statement statement = connection.createStatement()) {
                try (ResultSet constraints = statement.executeQuery("""
                        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
                          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                         WHERE k.contype IN ('p', 'u', 'f') AND c.relnamespace = 'public'::regnamespace
                           AND c.relname IN (""" + tables + ") ORDER BY k.contype DESC, c.relname, k.conname")) {
                    while (constraints.next()) {
                        String definition = constraints.getString(4).replaceFirst("REFERENCES (public\\.)?",
                                "REFERENCES " + SCHEMA + ".");
                        String sql = "ALTER TABLE " + SCHEMA + "." + constraints.getString(1) + " ADD CONSTRAINT "
                                + constraints.getString(2) + " " + definition;
                        (constraints.getString(3).equals("f") ? foreignKeys : keys).add(sql);
                    }
                }
                try (ResultSet plain = statement.executeQuery("""
                        SELECT pg_get_indexdef(i.indexrelid)
                          FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                         WHERE c.relnamespace = 'public'::regnamespace AND c.relname IN (""" + tables + """
                        )
                           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""")) {
                    while (plain.next()) {
                        indexes.add(plain.getString(1).replace(" ON public.", " ON " + SCHEMA + "."));
                    }
                }
            }
            return new Definitions(keys, indexes, foreignKeys);
        }
    }
}
