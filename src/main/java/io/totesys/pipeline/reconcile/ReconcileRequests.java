package io.totesys.pipeline.reconcile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * An operator's requests to reconcile now, {@code pipeline.reconcile_request} (the command
 * {@code reconcile} inserts one): while one is open a reconciliation is due whatever
 * {@code ETL_RECONCILE_INTERVAL} says, and the run that answers it closes it with its id and
 * what it found. A run that fails leaves it open, and the next poll tries again.
 */
@ApplicationScoped
public class ReconcileRequests {

    private final AgroalDataSource warehouse;

    ReconcileRequests(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** The newest open request's id, 0 when none is open. */
    long lastOpen() {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT coalesce(max(request_id), 0) FROM pipeline.reconcile_request WHERE done_at IS NULL");
                ResultSet last = statement.executeQuery()) {
            last.next();
            return last.getLong(1);
        } catch (SQLException e) {
            throw new PipelineStateException("reading the open reconcile requests failed", e);
        }
    }

    /** Closes the requests up to the given id, which a run that started after them answered. */
    void done(long upTo, String runId, String outcome) {
        if (upTo == 0) {
            return;
        }
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        UPDATE pipeline.reconcile_request SET done_at = now(), run_id = ?, outcome = ?
                         WHERE done_at IS NULL AND request_id <= ?""")) {
            statement.setString(1, runId);
            statement.setString(2, outcome);
            statement.setLong(3, upTo);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException("closing the reconcile requests up to " + upTo + " failed", e);
        }
    }
}
