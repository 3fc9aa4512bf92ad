package io.totesys.pipeline.extract;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.SourceKeys;

/**
 * The keys the lake holds as live, in the extractor's state ({@code pipeline.source_key_range}):
 * ranges of keys as bit sets, staged for a batch ({@code pipeline.source_key_range_staged}) until
 * it is published, each statement in the caller's transaction ({@link ExtractState}).
 */
final class SourceKeyRanges {

    private SourceKeyRanges() {
    }

    /** The keys each table's rows the lake holds as live; a table with none has empty keys. */
    static Map<SourceTable, SourceKeys> live(Connection connection) throws SQLException {
        Map<SourceTable, List<SourceKeys.Range>> ranges = new EnumMap<>(SourceTable.class);
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT table_name, range_start, row_ids FROM pipeline.source_key_range");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                SourceKeys.Range range = new SourceKeys.Range(rows.getInt(2), BitSet.valueOf(rows.getBytes(3)));
                SourceTable.byTableName(rows.getString(1))
                        .ifPresent(table -> ranges.computeIfAbsent(table, any -> new ArrayList<>()).add(range));
            }
        }
        Map<SourceTable, SourceKeys> keys = new EnumMap<>(SourceTable.class);
        for (SourceTable table : SourceTable.values()) {
            keys.put(table, SourceKeys.of(ranges.getOrDefault(table, List.of())));
        }
        return keys;
    }

    /** Stages the key ranges a batch changed, to become live when it is published. */
    static void stage(Connection connection, BatchId batchId, Map<SourceTable, SourceKeys> keys)
            throws SQLException {
        writeRanges(connection, "pipeline.source_key_range_staged", batchId, keys);
    }

    /** Writes changed key ranges straight to the live ones. */
    static void write(Connection connection, Map<SourceTable, SourceKeys> keys) throws SQLException {
        writeRanges(connection, "pipeline.source_key_range", null, keys);
    }

    /** Makes the key ranges a batch staged the live ones, and forgets them as staged. */
    static void publishStaged(Connection connection, BatchId batchId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO pipeline.source_key_range (table_name, range_start, row_ids, key_count)
                SELECT table_name, range_start, row_ids, key_count
                  FROM pipeline.source_key_range_staged WHERE batch_id = ?
                ON CONFLICT (table_name, range_start) DO UPDATE
                   SET row_ids = excluded.row_ids, key_count = excluded.key_count""")) {
            statement.setString(1, batchId.value());
            statement.executeUpdate();
        }
        discardStaged(connection, batchId);
    }

    /** Forgets the key ranges a batch staged. */
    static void discardStaged(Connection connection, BatchId batchId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "DELETE FROM pipeline.source_key_range_staged WHERE batch_id = ?")) {
            statement.setString(1, batchId.value());
            statement.executeUpdate();
        }
    }

    /** Writes the changed key ranges to the live table, or staged for a batch.*/
    private static void writeRanges(Connection connection, String target, BatchId batchId,
            Map<SourceTable, SourceKeys> keys) throws SQLException {
        String columns = batchId == null ? "" : "batch_id, ";
        String values = batchId == null ? "" : "?, ";
        String conflict = batchId == null ? "table_name, range_start" : "batch_id, table_name, range_start";
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO " + target + " (" + columns
                + "table_name, range_start, row_ids, key_count) VALUES (" + values + "?, ?, ?, ?) ON CONFLICT ("
                + conflict + ") DO UPDATE SET row_ids = excluded.row_ids, key_count = excluded.key_count")) {
            for (Map.Entry<SourceTable, SourceKeys> table : keys.entrySet()) {
                for (SourceKeys.Range range : table.getValue().changedRanges()) {
                    int parameter = 1;
                    if (batchId != null) {
                        statement.setString(parameter++, batchId.value());
                    }
                    statement.setString(parameter++, table.getKey().tableName());
                    statement.setInt(parameter++, range.start());
                    statement.setBytes(parameter++, range.keys().toByteArray());
                    statement.setInt(parameter, range.count());
                    statement.addBatch();
                }
            }
            statement.executeBatch();
        }
    }
}
