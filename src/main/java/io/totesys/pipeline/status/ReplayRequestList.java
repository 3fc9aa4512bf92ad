package io.totesys.pipeline.status;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.totesys.pipeline.status.StatusView.ReplayRequest;

/**
 * The latest replay requests for the status page, newest first, a bounded few: what each asked
 * for, whether it is done, and, for one that failed, its attempts, when it is tried again and
 * why it failed, or the reason it was closed with.
 */
final class ReplayRequestList {

    static final int SHOWN = 10;

    private static final String LATEST = """
            SELECT request_id, coalesce(batch_id, 'table ' || table_name), requested_at, attempts, next_attempt_at,
                   done_at, coalesce(outcome, last_error, '')
              FROM pipeline.replay_request ORDER BY request_id DESC LIMIT\s""" + SHOWN;

    private ReplayRequestList() {
    }

    static List<ReplayRequest> latest(Connection connection) throws SQLException {
        List<ReplayRequest> requests = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(LATEST);
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                OffsetDateTime done = result.getObject(6, OffsetDateTime.class);
                requests.add(new ReplayRequest(result.getLong(1), result.getString(2),
                        Formats.time(result.getObject(3, OffsetDateTime.class)), result.getInt(4),
                        done == null ? Formats.time(result.getObject(5, OffsetDateTime.class)) : "",
                        Optional.ofNullable(done).map(Formats::time).orElse("open"), result.getString(7)));
            }
        }
        return requests;
    }
}
