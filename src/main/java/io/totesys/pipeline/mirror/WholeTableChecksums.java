package io.totesys.pipeline.mirror;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * The checksums of a table a batch reads whole, which replace all the mirror holds of it:
 * staged as the rows pass into a table of their own, {@code pipeline.source_row_checksum_next_<table>}
 * (with a check that it holds the table's rows only), given the mirror's primary key as soon as
 * the table's read ends, on its own connection while other tables are still read, and made the
 * table's partition of the mirror ({@code source_row_checksum_of_<table>}, V26) in the
 * transaction that publishes the batch: the partition it replaces is detached and dropped, a
 * change of the catalogue, not of each row. Inserting the first batch's 4.8 million checksums in
 * the publishing transaction took 16 s at ×100, one core, the rest of the extract waiting.
 * <p>
 * It takes a role that owns the mirror and may create tables in {@code pipeline}: the service's
 * own, unless an owner role runs the migrations ({@code WAREHOUSE_OWNER_USERNAME}); then the
 * checksums are staged with the others and inserted as before.
 */
final class WholeTableChecksums {

    private static final String NEXT = "source_row_checksum_next_";
    private static final String PARTITION = "source_row_checksum_of_";

    private WholeTableChecksums() {
    }

    /**
     * Starts staging a table's checksums into a table of their own, on the given connection,
     * left over from a batch that did not publish it replaced; returns null, having changed
     * nothing, when the connection's role cannot replace the table's partition.
     */
    static ChecksumMirror.Staging start(Connection connection, SourceTable table) throws SQLException {
        if (!replaceable(connection)) {
            return null;
        }
        String next = "pipeline." + next(table);
        ChecksumMirror.execute(connection, "DROP TABLE IF EXISTS " + next);
        ChecksumMirror.execute(connection, "CREATE TABLE " + next + " (LIKE pipeline.source_row_checksum, CONSTRAINT "
                + next(table) + "_table CHECK (table_name = '" + table.tableName() + "'))");
        return new ChecksumMirror.Staging(connection, new PGCopyOutputStream(connection.unwrap(PGConnection.class),
                "COPY " + next + " (table_name, row_key, checksum) FROM STDIN", 1 << 16),
                "ALTER TABLE " + next + " ADD CONSTRAINT " + next(table) + "_pkey PRIMARY KEY (table_name, row_key)");
    }

    /** Adds lines of {@code table, key, checksum} to a table's staged checksums, once the read ones are in. */
    static void add(Connection connection, SourceTable table, CharSequence lines) throws SQLException, IOException {
        connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                "COPY pipeline." + next(table) + " (table_name, row_key, checksum) FROM STDIN",
                new StringReader(lines.toString()));
    }

    /**
     * Makes a table's staged checksums its partition of the mirror, in the publishing
     * transaction; returns false, having changed nothing, when none are staged for it.
     */
    static boolean replace(Connection connection, SourceTable table) throws SQLException {
        if (!staged(connection, table)) {
            return false;
        }
        String partition = PARTITION + table.tableName();
        if (isPartition(connection, partition)) {
            ChecksumMirror.execute(connection,
                    "ALTER TABLE pipeline.source_row_checksum DETACH PARTITION pipeline." + partition);
        }
        ChecksumMirror.execute(connection, "DROP TABLE IF EXISTS pipeline." + partition);
        ChecksumMirror.execute(connection, "ALTER TABLE pipeline." + next(table) + " RENAME TO " + partition);
        ChecksumMirror.execute(connection, "ALTER TABLE pipeline." + partition + " RENAME CONSTRAINT "
                + next(table) + "_pkey TO " + partition + "_pkey");
        ChecksumMirror.execute(connection, "CREATE TRIGGER source_row_checksum_changed AFTER INSERT OR UPDATE OR "
                + "DELETE OR TRUNCATE ON pipeline." + partition
                + " FOR EACH STATEMENT EXECUTE FUNCTION pipeline.source_row_checksum_changed()");
        ChecksumMirror.execute(connection, "ALTER TABLE pipeline.source_row_checksum ATTACH PARTITION pipeline."
                + partition + " FOR VALUES IN ('" + table.tableName() + "')");
        return true;
    }

    /** Drops every table of staged checksums a batch left unpublished. */
    static void discardAll(Connection connection) throws SQLException {
        List<String> left = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT relname FROM pg_class
                 WHERE relnamespace = 'pipeline'::regnamespace AND relkind = 'r' AND NOT relispartition
                   AND starts_with(relname, ?)""")) {
            statement.setString(1, NEXT);
            try (ResultSet tables = statement.executeQuery()) {
                while (tables.next()) {
                    left.add(tables.getString(1));
                }
            }
        }
        for (String table : left) {
            ChecksumMirror.execute(connection, "DROP TABLE IF EXISTS pipeline." + table);
        }
    }

    /** Whether the connection's role owns the mirror and may create tables beside it. */
    private static boolean replaceable(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT pg_has_role(current_user, relowner, 'USAGE') AND has_schema_privilege('pipeline', 'CREATE')
                  FROM pg_class WHERE oid = 'pipeline.source_row_checksum'::regclass""");
                ResultSet result = statement.executeQuery()) {
            return result.next() && result.getBoolean(1);
        }
    }

    /** Whether a table's staged checksums are complete: the table exists with its primary key. */
    private static boolean staged(Connection connection, SourceTable table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT EXISTS (SELECT 1 FROM pg_constraint
                                WHERE conrelid = to_regclass(?) AND contype = 'p')""")) {
            statement.setString(1, "pipeline." + next(table));
            try (ResultSet result = statement.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }

    private static boolean isPartition(Connection connection, String partition) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT EXISTS (SELECT 1 FROM pg_inherits
                                WHERE inhrelid = to_regclass(?)
                                  AND inhparent = 'pipeline.source_row_checksum'::regclass)""")) {
            statement.setString(1, "pipeline." + partition);
            try (ResultSet result = statement.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }

    private static String next(SourceTable table) {
        return NEXT + table.tableName();
    }
}
