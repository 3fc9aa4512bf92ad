package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/**
 * An operator's requests to replay, {@code pipeline.replay_request}: an extract batch to run
 * through the transform and the load again once its objects are fixed or restored, or a
 * ToteSys table to extract again whole. An operator inserts a row; the stage that honours it
 * records when it did, and what it did or why it could not, in the same row.
 */
@ApplicationScoped
public class ReplayRequests {

    /**
     * An open request.
     *
     * @param id the request's id
     * @param subject the batch id or the table name it names, as the operator wrote it
     */
    public record Request(long id, String subject) {
    }

    private final AgroalDataSource warehouse;

    ReplayRequests(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** The open requests to replay an extract batch, oldest request first. */
    public List<Request> openBatchReplays() {
        return open("batch_id");
    }

    /** The open requests to extract a table again whole, oldest request first. */
    public List<Request> openReextracts() {
        return open("table_name");
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
                        + " IS NOT NULL ORDER BY request_id");
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
