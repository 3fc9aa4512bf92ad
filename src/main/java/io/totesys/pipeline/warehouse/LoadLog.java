package io.totesys.pipeline.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * The load log, {@code pipeline.load_batch}: each batch loaded, in the same transaction as
 * its rows, with its high-water mark, the rows it added per table and the objects it left
 * out. A batch in the log is not loaded again, unless a replay transformed it again (its Parquet
 * manifest is a new one); the objects it left out are still moved to {@code quarantine/} when
 * its archiving is repeated after a crash.
 */
@ApplicationScoped
class LoadLog {

    /** Key of the transaction-scoped advisory lock that makes two loaders of a batch take turns. */
    private static final long LOAD_LOG_LOCK = 0x544F5445_4C4F4144L;

    private final ObjectMapper json;

    LoadLog(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Waits until no other transaction loads a batch, then returns what the log says of this
     * one: the objects it left out, if this manifest of it was loaded already. A batch whose
     * Parquet manifest is another one than the log recorded (its {@code createdAt}) was
     * transformed again, after a replay, and is loaded again.
     */
    Optional<List<BatchManifest.Quarantined>> lockAndFind(Connection connection, BatchId batchId,
            BatchManifest manifest) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_xact_lock(" + LOAD_LOG_LOCK + ")");
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT quarantined::text, manifest_created_at FROM pipeline.load_batch WHERE batch_id = ?")) {
            statement.setString(1, batchId.value());
            try (ResultSet result = statement.executeQuery()) {
                if (!result.next() || !Objects.equals(result.getString(2), createdAt(manifest))) {
                    return Optional.empty();
                }
                return Optional.of(List.of(json.readValue(result.getString(1), BatchManifest.Quarantined[].class)));
            }
        } catch (JsonProcessingException e) {
            throw new PipelineStateException("the load log entry of batch " + batchId + " does not read", e);
        }
    }

    /** Records the batch as loaded, in the transaction that loads it; a batch loaded again counts its loads. */
    void record(Connection connection, LoadBatch batch, Map<String, Long> added) throws SQLException {
        try (PreparedStatement log = connection.prepareStatement("""
                INSERT INTO pipeline.load_batch (batch_id, high_water, row_counts, quarantined, manifest_created_at)
                VALUES (?, ?, ?::jsonb, ?::jsonb, ?)
                ON CONFLICT (batch_id) DO UPDATE
                   SET loaded_at = now(), high_water = excluded.high_water, row_counts = excluded.row_counts,
                       quarantined = excluded.quarantined, manifest_created_at = excluded.manifest_created_at,
                       loads = load_batch.loads + 1""")) {
            log.setString(1, batch.getId().value());
            log.setObject(2, batch.manifest().highWaterTime());
            log.setString(3, json.writeValueAsString(added));
            log.setString(4, json.writeValueAsString(batch.quarantined()));
            log.setString(5, createdAt(batch.manifest()));
            log.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("row counts and quarantine entries are plain JSON", e);
        }
    }

    private static String createdAt(BatchManifest manifest) {
        return manifest.createdAt() == null ? null : manifest.createdAt().toString();
    }
}
