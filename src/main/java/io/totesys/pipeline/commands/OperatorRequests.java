package io.totesys.pipeline.commands;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * What the operator's commands read and write in the pipeline schema, as the service's own
 * (runtime) role: they queue a request where the service looks for one
 * ({@code pipeline.replay_request}, {@code pipeline.reconcile_request}) and read the batch log and
 * the load log to say what came of it. They never migrate the schema: a warehouse the service
 * has not migrated yet is said in one line.
 */
@ApplicationScoped
class OperatorRequests {

    /** PostgreSQL's SQLSTATE for a table that is not there. */
    private static final String UNDEFINED_TABLE = "42P01";

    /** A request and, once the service closed it, when and what came of it. */
    record Request(long id, Instant requestedAt, Instant doneAt, String outcome, String runId) {

        boolean isDone() {
            return doneAt != null;
        }
    }

    /** An extract batch in the batch log. */
    record LoggedBatch(String batchId, String status) {
    }

    /** A load of a batch, from the load log. */
    record Load(Instant loadedAt, int loads, String rowCounts, String quarantined) {
    }

    /** A batch whose manifest a stage quarantined, waiting for a replay. */
    record QuarantinedBatch(String batchId, String stage, String problem, Instant quarantinedAt) {
    }

    private final AgroalDataSource warehouse;

    OperatorRequests(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    Optional<LoggedBatch> loggedBatch(String batchId) {
        return query("reading the batch log", "SELECT batch_id, status FROM pipeline.extract_batch WHERE batch_id = ?",
                statement -> statement.setString(1, batchId),
                rows -> new LoggedBatch(rows.getString(1), rows.getString(2))).stream().findFirst();
    }

    /** The published extract batches of the days from {@code from} to {@code to}, both included, oldest first. */
    List<String> publishedBatches(String fromDay, String toDayExclusive) {
        return query("reading the batch log", """
                SELECT batch_id FROM pipeline.extract_batch
                 WHERE status = 'PUBLISHED' AND batch_id >= ? AND batch_id < ? ORDER BY batch_id""", statement -> {
            statement.setString(1, fromDay);
            statement.setString(2, toDayExclusive);
        }, rows -> rows.getString(1));
    }

    /** The open request to replay a batch, or to extract a table again, if one is waiting already. */
    Optional<Request> openReplay(String column, String subject) {
        return query("reading the replay requests", "SELECT request_id, requested_at, done_at, outcome, NULL "
                + "FROM pipeline.replay_request WHERE done_at IS NULL AND " + column + " = ? ORDER BY request_id",
                statement -> statement.setString(1, subject), OperatorRequests::request).stream().findFirst();
    }

    /** Queues a request to replay a batch ({@code batch_id}) or extract a table again ({@code table_name}). */
    Request queueReplay(String column, String subject) {
        return query("queueing the request", "INSERT INTO pipeline.replay_request (" + column + ") VALUES (?) "
                + "RETURNING request_id, requested_at, done_at, outcome, NULL",
                statement -> statement.setString(1, subject), OperatorRequests::request).get(0);
    }

    Request replay(long requestId) {
        return query("reading replay request " + requestId, "SELECT request_id, requested_at, done_at, outcome, NULL "
                + "FROM pipeline.replay_request WHERE request_id = ?", statement -> statement.setLong(1, requestId),
                OperatorRequests::request).get(0);
    }

    /** The open request to reconcile, if one is waiting already. */
    Optional<Request> openReconcile() {
        return query("reading the reconcile requests", "SELECT request_id, requested_at, done_at, outcome, run_id "
                + "FROM pipeline.reconcile_request WHERE done_at IS NULL ORDER BY request_id", statement -> {
                }, OperatorRequests::request).stream().findFirst();
    }

    Request queueReconcile() {
        return query("queueing the request", "INSERT INTO pipeline.reconcile_request DEFAULT VALUES "
                + "RETURNING request_id, requested_at, done_at, outcome, run_id", statement -> {
                }, OperatorRequests::request).get(0);
    }

    Request reconcile(long requestId) {
        return query("reading reconcile request " + requestId, "SELECT request_id, requested_at, done_at, outcome, "
                + "run_id FROM pipeline.reconcile_request WHERE request_id = ?",
                statement -> statement.setLong(1, requestId), OperatorRequests::request).get(0);
    }

    /** The batch's load since an instant, if the load has taken it since. */
    Optional<Load> loadSince(String batchId, Instant since) {
        return query("reading the load log", """
                SELECT loaded_at, loads, row_counts::text, quarantined::text FROM pipeline.load_batch
                 WHERE batch_id = ? AND loaded_at >= ?""", statement -> {
            statement.setString(1, batchId);
            statement.setTimestamp(2, Timestamp.from(since));
        }, rows -> new Load(rows.getTimestamp(1).toInstant(), rows.getInt(2), rows.getString(3), rows.getString(4)))
                .stream().findFirst();
    }

    /** The batches quarantined whole and not replayed since, newest first; one batch's when named. */
    List<QuarantinedBatch> quarantinedBatches(Optional<String> batchId) {
        return query("reading the quarantined batches", """
                SELECT batch_id, stage, problem, quarantined_at FROM pipeline.quarantined_batch
                 WHERE replayed_at IS NULL AND (?::text IS NULL OR batch_id = ?) ORDER BY batch_id DESC""",
                statement -> {
                    statement.setString(1, batchId.orElse(null));
                    statement.setString(2, batchId.orElse(null));
                }, rows -> new QuarantinedBatch(rows.getString(1), rows.getString(2), rows.getString(3),
                        rows.getTimestamp(4).toInstant()));
    }

    /** The last failure of a stage since an instant, if it failed since. */
    Optional<String> failureSince(String stage, Instant since) {
        return query("reading the stages' failures", """
                SELECT last_failure FROM pipeline.stage_state
                 WHERE stage = ? AND last_failed_at >= ? AND failures_in_a_row > 0""", statement -> {
            statement.setString(1, stage);
            statement.setTimestamp(2, Timestamp.from(since));
        }, rows -> rows.getString(1)).stream().findFirst();
    }

    private static Request request(ResultSet rows) throws SQLException {
        Timestamp done = rows.getTimestamp(3);
        return new Request(rows.getLong(1), rows.getTimestamp(2).toInstant(), done == null ? null : done.toInstant(),
                rows.getString(4), rows.getString(5));
    }

    private interface Parameters {
        void set(PreparedStatement statement) throws SQLException;
    }

    private interface Row<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private <T> List<T> query(String what, String sql, Parameters parameters, Row<T> row) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            parameters.set(statement);
            List<T> found = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.add(row.read(rows));
                }
            }
            return found;
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                throw new CommandException("the warehouse's pipeline schema lacks a table this command needs ("
                        + e.getMessage().lines().findFirst().orElse("") + "): start the service of this release "
                        + "once, which migrates it, then run the command again");
            }
            throw new PipelineStateException(what + " failed", e);
        }
    }
}
