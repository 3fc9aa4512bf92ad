package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/**
 * The batches whose manifest the transform or the load refused and quarantined,
 * {@code pipeline.quarantined_batch}: none of such a batch reaches the warehouse until an
 * operator fixes its manifest and replays it. They are counted on their own
 * ({@code pipeline_quarantined_batches}) and do not hold the freshness lag back
 * ({@link Freshness}).
 */
@ApplicationScoped
public class QuarantinedBatches {

    private static final String WAITING = "SELECT count(*) FROM pipeline.quarantined_batch WHERE replayed_at IS NULL";

    private final AgroalDataSource warehouse;

    QuarantinedBatches(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** A stage quarantined the batch's manifest, for the first time or again after a replay. */
    public void quarantined(String batchId, PipelineStage stage, String problem) {
        update("recording the quarantine of batch " + batchId,
                """
                INSERT INTO pipeline.quarantined_batch (batch_id, stage, problem) VALUES (?, ?, ?)
                ON CONFLICT (batch_id) DO UPDATE
                   SET stage = excluded.stage, problem = excluded.problem, quarantined_at = now(),
                       replayed_at = NULL""",
                batchId, stage.stageName(), problem);
    }

    /** An operator's replay put the batch back under {@code input/}; nothing happens to a batch never quarantined. */
    public void replayed(String batchId) {
        update("recording the replay of batch " + batchId, """
                UPDATE pipeline.quarantined_batch SET replayed_at = now()
                 WHERE batch_id = ? AND replayed_at IS NULL""", batchId);
    }

    /** How many batches are quarantined and not replayed; NaN while the warehouse does not answer. */
    public double waiting() {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(WAITING);
                ResultSet result = statement.executeQuery()) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            return Double.NaN;
        }
    }

    private void update(String action, String sql, String... parameters) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int index = 0; index < parameters.length; index++) {
                statement.setString(index + 1, parameters[index]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException(action + " failed", e);
        }
    }
}
