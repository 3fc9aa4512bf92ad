package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/**
 * An operator's requests to replay, {@code pipeline.replay_request}: an extract batch to run
 * through the transform and the load again once its objects are fixed or restored, or a
 * ToteSys table to extract again whole. An operator inserts a row; the stage that honours it
 * records when it did, and what it did or why it could not, in the same row.
 * <p>
 * A request that fails (S3 refuses an object, an object is archived) holds nothing up: it
 * records why ({@code attempts}, {@code last_error}) and waits, {@code ETL_REPLAY_RETRY_BACKOFF}
 * after its first failure and twice as long after each next one, up to 65,536 times as long
 * ({@code next_attempt_at});
 * once it failed {@code ETL_REPLAY_ATTEMPTS} times it is closed with its reason.
 */
@ApplicationScoped
public class ReplayRequests {

    /** How the outcome of a request that put its batch back for a replay begins. */
    public static final String RESTORED = "restored ";

    /**
     * An open request.
     *
     * @param id the request's id
     * @param subject the batch id or the table name it names, as the operator wrote it
     */
    public record Request(long id, String subject) {
    }

    /**
     * What became of a request that failed.
     *
     * @param attempts how often it failed so far
     * @param closed whether it was closed, after its last attempt
     * @param retryIn how long until it is tried again, when it was not closed
     */
    public record Failure(int attempts, boolean closed, Duration retryIn) {
    }

    private static final String FAILED = """
            UPDATE pipeline.replay_request
               SET attempts = attempts + 1, last_error = ?,
                   next_attempt_at = now() + ?::bigint * power(2, least(attempts, 16)) * interval '1 millisecond',
                   done_at = CASE WHEN attempts + 1 >= ? THEN now() END,
                   outcome = CASE WHEN attempts + 1 >= ?
                                  THEN 'not replayed after ' || (attempts + 1) || ' attempts: ' || ? END
             WHERE request_id = ? AND done_at IS NULL
            RETURNING attempts, done_at IS NOT NULL, (extract(epoch FROM next_attempt_at - now()) * 1000)::bigint""";

    private final AgroalDataSource warehouse;
    private final PipelineSettings.Replay settings;
    private final PipelineMetrics metrics;

    ReplayRequests(AgroalDataSource warehouse, PipelineSettings settings, PipelineMetrics metrics) {
        this.warehouse = warehouse;
        this.settings = settings.replay();
        this.metrics = metrics;
    }

    /**
     * Records that a request failed and why: it is tried again after its wait, or, after its
     * last attempt, closed with {@code not replayed after N attempts: <reason>}.
     */
    public Failure failed(Request request, String reason) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(FAILED)) {
            statement.setString(1, reason);
            statement.setLong(2, settings.retryBackoff().toMillis());
            statement.setInt(3, settings.attempts());
            statement.setInt(4, settings.attempts());
            statement.setString(5, reason);
            statement.setLong(6, request.id());
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return new Failure(0, true, Duration.ZERO);
                }
                Failure failure = new Failure(row.getInt(1), row.getBoolean(2), Duration.ofMillis(row.getLong(3)));
                metrics.replayRequestFailed(failure.closed());
                return failure;
            }
        } catch (SQLException e) {
            throw new PipelineStateException("recording that replay request " + request.id() + " failed, failed", e);
        }
    }

    /** How often a request is tried before it is closed ({@code ETL_REPLAY_ATTEMPTS}). */
    public int attempts() {
        return settings.attempts();
    }

    /** The open requests to replay an extract batch, oldest request first, but those waiting after a failure. */
    public List<Request> openBatchReplays() {
        return open("batch_id");
    }

    /** The open requests to extract a table again whole, oldest request first. */
    public List<Request> openReextracts() {
        return open("table_name");
    }

    /**
     * The latest request that put the batch back under {@code input/} for a replay, if any
     * ({@value #RESTORED}...): the transform commits a replayed batch to the lake's tables anew,
     * under that request.
     */
    public OptionalLong latestRestore(String batchId) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT max(request_id) FROM "
                        + "pipeline.replay_request WHERE btrim(batch_id) = ? AND done_at IS NOT NULL AND outcome LIKE ?")) {
            statement.setString(1, batchId);
            statement.setString(2, RESTORED + "%");
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long id = rows.getLong(1);
                return rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(id);
            }
        } catch (SQLException e) {
            throw new PipelineStateException("reading the replay requests of batch " + batchId + " failed", e);
        }
    }

    /** Closes a request with what came of it. */
    public void done(Request request, String outcome) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "UPDATE pipeline.replay_request SET done_at = now(), outcome = ? WHERE request_id = ?")) {
            statement.setString(1, outcome);
            statement.setLong(2, request.id());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException("closing replay request " + request.id() + " failed", e);
        }
    }

    private List<Request> open(String subjectColumn) {
        List<Request> requests = new ArrayList<>();
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT request_id, " + subjectColumn
                        + " FROM pipeline.replay_request WHERE done_at IS NULL AND " + subjectColumn
                        + " IS NOT NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now()) ORDER BY request_id");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                requests.add(new Request(rows.getLong(1), rows.getString(2)));
            }
            return requests;
        } catch (SQLException e) {
            throw new PipelineStateException("reading the open replay requests failed", e);
        }
    }
}
