package io.totesys.pipeline.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * What each reconciliation found, in the pipeline's state ({@code pipeline.reconcile_run}):
 * one row per run and table, written as the table is compared and completed when the run's
 * repair is published: a ToteSys table compared with the lake ({@code compared_with} {@code lake}),
 * or a warehouse table's current view compared with what ToteSys says it must hold
 * ({@code warehouse}, V24). A run without a finish time failed on the way; the next one is due
 * at the next poll.
 */
@ApplicationScoped
public class ReconcileLog {

    /**
     * When the last finished run started, or the last batch that read every table whole: index
     * look-ups (V19), past however many runs failed on the way ({@link #lastReconciled}).
     */
    public static final String LAST_RECONCILED = """
            SELECT greatest(
                (SELECT max(started_at) FROM pipeline.reconcile_run WHERE finished_at IS NOT NULL),
                (SELECT max(started_at) FROM pipeline.extract_batch
                  WHERE whole_tables IS NOT NULL AND status = 'PUBLISHED' AND whole_tables @> ?))""";

    private final AgroalDataSource warehouse;

    ReconcileLog(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /**
     * As of when the lake was last known to hold what ToteSys held: when the last
     * reconciliation that finished started, or the snapshot of the last published batch that
     * read every table whole (the first batch, a backfill of them all), whichever is later;
     * empty when neither happened.
     */
    public Optional<Instant> lastReconciled() {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(LAST_RECONCILED)) {
            statement.setArray(1, connection.createArrayOf("text", SourceTable.tableNames().toArray()));
            try (ResultSet last = statement.executeQuery()) {
                last.next();
                Timestamp startedAt = last.getTimestamp(1);
                return Optional.ofNullable(startedAt).map(Timestamp::toInstant);
            }
        } catch (SQLException e) {
            throw new PipelineStateException("reading the last reconciliation failed", e);
        }
    }

    /** Records what a run found of a table. */
    void found(Reconciliation reconciliation, SourceTable table, TableOutcome outcome) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        INSERT INTO pipeline.reconcile_run (run_id, table_name, started_at, compared, pending, missing,
                                                            extra, changed, adopted, quarantined, rows_read,
                                                            not_read)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            statement.setString(1, reconciliation.getId().value());
            statement.setString(2, table.tableName());
            statement.setTimestamp(3, Timestamp.from(reconciliation.startedAt()));
            statement.setLong(4, outcome.compared);
            statement.setLong(5, outcome.pending);
            statement.setLong(6, outcome.missing);
            statement.setLong(7, outcome.extra);
            statement.setLong(8, outcome.changed);
            statement.setLong(9, outcome.adopted);
            statement.setLong(10, outcome.quarantined);
            statement.setLong(11, outcome.rowsRead);
            statement.setBoolean(12, outcome.notRead);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException("recording reconciliation " + reconciliation.getId() + " failed", e);
        }
    }

    /**
     * Records what a run found of a warehouse table's current view: rows compared (the view's),
     * missing, extra and changed ({@code changed}: held otherwise than ToteSys says).
     */
    public void foundInTheWarehouse(Reconciliation reconciliation, ViewOutcome outcome) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        INSERT INTO pipeline.reconcile_run (run_id, table_name, started_at, compared, pending, missing,
                                                            extra, changed, adopted, not_read, compared_with)
                        VALUES (?, ?, ?, ?, 0, ?, ?, ?, 0, ?, 'warehouse')""")) {
            statement.setString(1, reconciliation.getId().value());
            statement.setString(2, outcome.table());
            statement.setTimestamp(3, Timestamp.from(reconciliation.startedAt()));
            statement.setLong(4, outcome.compared());
            statement.setLong(5, outcome.missing());
            statement.setLong(6, outcome.extra());
            statement.setLong(7, outcome.changed());
            statement.setBoolean(8, outcome.notRead());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException("recording reconciliation " + reconciliation.getId() + " failed", e);
        }
    }

    /**
     * Records that a run finished, with what its repair batch wrote of each ToteSys table and,
     * for each current view found different, that the batch reads or deletes its rows again.
     */
    void finished(Reconciliation reconciliation) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        UPDATE pipeline.reconcile_run SET finished_at = now(), repaired = ?, repair_batch_id = ?
                         WHERE run_id = ? AND table_name = ?""")) {
            for (Map.Entry<SourceTable, TableOutcome> table : reconciliation.outcomes().entrySet()) {
                statement.setLong(1, table.getValue().repaired);
                statement.setString(2, reconciliation.repairBatch() == null || table.getValue().repaired == 0 ? null
                        : reconciliation.repairBatch().value());
                statement.setString(3, reconciliation.getId().value());
                statement.setString(4, table.getKey().tableName());
                statement.addBatch();
            }
            statement.executeBatch();
            try (PreparedStatement views = connection.prepareStatement("""
                    UPDATE pipeline.reconcile_run
                       SET finished_at = now(),
                           repaired = CASE WHEN ?::text IS NULL THEN 0 ELSE missing + extra + changed END,
                           repair_batch_id = CASE WHEN missing + extra + changed > 0 THEN ?::text END
                     WHERE run_id = ? AND compared_with = 'warehouse'""")) {
                String repairBatch = reconciliation.repairBatch() == null ? null : reconciliation.repairBatch().value();
                views.setString(1, repairBatch);
                views.setString(2, repairBatch);
                views.setString(3, reconciliation.getId().value());
                views.executeUpdate();
            }
        } catch (SQLException e) {
            throw new PipelineStateException("recording reconciliation " + reconciliation.getId() + " failed", e);
        }
    }
}
