package io.totesys.pipeline.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * The extractor's durable state in the warehouse database (schema {@code pipeline}):
 * each table's watermark and the log of extract batches. A restart resumes from here.
 */
@ApplicationScoped
public class ExtractState {

    /** A batch that was started but neither published nor abandoned: a crash left it. */
    public record UnfinishedBatch(BatchId batchId, LocalDateTime highWater) {
    }

    private final AgroalDataSource warehouse;

    ExtractState(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** The high-water mark each table was read up to; tables never read are absent. */
    public Map<SourceTable, LocalDateTime> watermarks() {
        Map<SourceTable, LocalDateTime> watermarks = new EnumMap<>(SourceTable.class);
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT table_name, high_water FROM pipeline.extract_watermark");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                String tableName = rows.getString(1);
                LocalDateTime highWater = rows.getObject(2, LocalDateTime.class);
                SourceTable.byTableName(tableName).ifPresent(table -> watermarks.put(table, highWater));
            }
            return watermarks;
        } catch (SQLException e) {
            throw new PipelineStateException("reading the extract watermarks failed", e);
        }
    }

    public List<UnfinishedBatch> unfinishedBatches() {
        List<UnfinishedBatch> batches = new ArrayList<>();
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT batch_id, high_water FROM pipeline.extract_batch WHERE status = 'STARTED' ORDER BY batch_id");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                batches.add(
                        new UnfinishedBatch(new BatchId(rows.getString(1)), rows.getObject(2, LocalDateTime.class)));
            }
            return batches;
        } catch (SQLException e) {
            throw new PipelineStateException("reading unfinished extract batches failed", e);
        }
    }

    /** Records that a batch is about to write objects, before the first one is written. */
    public void started(BatchId batchId, LocalDateTime highWater) {
        update("recording the start of extract batch " + batchId,
                "INSERT INTO pipeline.extract_batch (batch_id, status, high_water) VALUES (?, 'STARTED', ?)",
                batchId.value(), highWater);
    }

    /**
     * Publishes a batch whose manifest is in place: in one transaction, every table's
     * watermark moves to the batch's high-water mark and the batch is marked published.
     * The row count is {@code null} when a restart completed the batch.
     */
    public void published(BatchId batchId, LocalDateTime highWater, Long rowCount) {
        inTransaction("publishing extract batch " + batchId, connection -> {
            advance(connection, batchId, highWater);
            try (PreparedStatement statement = connection.prepareStatement("""
                    UPDATE pipeline.extract_batch
                       SET status = 'PUBLISHED', row_count = ?, finished_at = now()
                     WHERE batch_id = ?""")) {
                statement.setObject(1, rowCount, java.sql.Types.BIGINT);
                statement.setString(2, batchId.value());
                statement.executeUpdate();
            }
        });
    }

    /** Moves every table's watermark on after a poll that found no changes. */
    public void advancedWithoutChanges(LocalDateTime highWater) {
        inTransaction("advancing the extract watermarks", connection -> advance(connection, null, highWater));
    }

    public void abandoned(BatchId batchId) {
        update("abandoning extract batch " + batchId,
                "UPDATE pipeline.extract_batch SET status = 'ABANDONED', finished_at = now() WHERE batch_id = ?",
                batchId.value());
    }

    private static void advance(Connection connection, BatchId batchId, LocalDateTime highWater) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO pipeline.extract_watermark (table_name, high_water, batch_id)
                VALUES (?, ?, ?)
                ON CONFLICT (table_name) DO UPDATE
                   SET high_water = excluded.high_water,
                       batch_id = coalesce(excluded.batch_id, extract_watermark.batch_id),
                       updated_at = now()""")) {
            for (SourceTable table : SourceTable.values()) {
                statement.setString(1, table.tableName());
                statement.setObject(2, highWater);
                statement.setString(3, batchId == null ? null : batchId.value());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private void update(String action, String sql, Object... parameters) {
        inTransaction(action, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int index = 0; index < parameters.length; index++) {
                    statement.setObject(index + 1, parameters[index]);
                }
                statement.executeUpdate();
            }
        });
    }

    private interface Work {
        void run(Connection connection) throws SQLException;
    }

    private void inTransaction(String action, Work work) {
        try (Connection connection = warehouse.getConnection()) {
            connection.setAutoCommit(false);
            try {
                work.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new PipelineStateException(action + " failed", e);
        }
    }
}
