package io.totesys.pipeline.mirror;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * Which tables' checksums the mirror changed ({@code pipeline.source_row_checksum_version},
 * V25): per table a version, set from a sequence by the statement that changes them, in its
 * transaction, to the tables whose checksums it did change (a batch that reads a row again as
 * the mirror holds it changes none). A {@code TRUNCATE} of the mirror sets the row {@code *},
 * which counts for every table. A reconciliation does not read a table again whose version, and
 * ToteSys's counters of it, are as they were when it found it equal.
 */
final class MirrorVersions {

    /** The row a {@code TRUNCATE} of the mirror sets, for every table. */
    private static final String EVERY_TABLE = "*";

    /**
     * The statement, after a {@code WITH} whose named part returns the {@code table_name} of
     * each checksum it changed, that moves those tables' versions on.
     */
    static final String CHANGED_FROM = """
            INSERT INTO pipeline.source_row_checksum_version (table_name, version)
            SELECT table_name, nextval('pipeline.source_row_checksum_change') FROM (SELECT DISTINCT table_name FROM %s) t
            ON CONFLICT (table_name) DO UPDATE SET version = excluded.version""";

    private MirrorVersions() {
    }

    /**
     * Says, for the connection's transaction, that its changes of the mirror set the versions
     * of the tables they change themselves: the mirror's trigger then leaves them to it instead
     * of moving every table's on (V25).
     */
    static void setHere(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection
                .prepareStatement("SELECT set_config('pipeline.mirror_versions', 'set', true)")) {
            statement.execute();
        }
    }

    /** Moves the versions of the tables named on, in the connection's transaction. */
    static void changed(Connection connection, Array tableNames) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "WITH named AS (SELECT unnest(?::text[]) AS table_name) " + CHANGED_FROM.formatted("named"))) {
            statement.setArray(1, tableNames);
            statement.executeUpdate();
        }
    }

    /** Each table's version, the later of its own and the last {@code TRUNCATE}'s; 0 when neither was set. */
    static Map<SourceTable, Long> read(Connection connection) throws SQLException {
        Map<String, Long> set = new HashMap<>();
        try (PreparedStatement statement = connection
                .prepareStatement("SELECT table_name, version FROM pipeline.source_row_checksum_version");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                set.put(rows.getString(1), rows.getLong(2));
            }
        }
        long truncated = set.getOrDefault(EVERY_TABLE, 0L);
        Map<SourceTable, Long> versions = new EnumMap<>(SourceTable.class);
        for (SourceTable table : SourceTable.values()) {
            versions.put(table, Math.max(truncated, set.getOrDefault(table.tableName(), 0L)));
        }
        return versions;
    }
}
