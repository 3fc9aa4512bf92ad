package io.totesys.pipeline.retention;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.retention.ForgettingStatement.Horizon;

/**
 * Forgets the pipeline's records that nothing needs any more (docs/operations.md#retention),
 * run by the leader every {@code ETL_RETENTION_INTERVAL} (route {@code retention}). Each
 * statement deletes at most {@code ETL_RETENTION_DELETE_ROWS} rows in a transaction of its own,
 * at most {@code ETL_RETENTION_DELETES_PER_PASS} times per kind of record and pass, so that no
 * lock is held for long and a pass costs the same however much is to go; what is left goes at
 * the next pass.
 * <p>
 * Never forgotten (docs/architecture.md#the-pipelines-records): a batch not yet loaded, a batch
 * being extracted, the newest extract batch (batch ids never go below it), the newest loaded
 * batch (the freshness lag starts from it), batches that read tables whole (the last
 * reconciliation may date from one), batches quarantined and not replayed, the latest finished
 * reconciliation, open replay requests, and the warehouse's own history: facts, dimensions and
 * their {@code *_deletion} tables. The calendar's coverage is not forgotten but folded into one
 * row, so that the calendar stays contiguous.
 */
@ApplicationScoped
@Named("pipelineRetention")
public class PipelineRetention {

    private static final Logger LOG = Logger.getLogger(PipelineRetention.class);
    private static final DateTimeFormatter BATCH_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** The row the coverage of forgotten batches folds into; it sorts after every batch id. */
    static final String EARLIER_BATCHES = "earlier batches";

    static final ForgettingStatement EXTRACT_BATCHES = new ForgettingStatement("extract batches",
            oldest("extract_batch", "batch_id", """
                    batch_id < ? AND status <> 'STARTED' AND whole_tables IS NULL
                    AND batch_id < (SELECT max(batch_id) FROM pipeline.load_batch)
                    AND NOT EXISTS (SELECT 1 FROM pipeline.quarantined_batch q
                                     WHERE q.batch_id = extract_batch.batch_id AND q.replayed_at IS NULL)""",
                    "batch_id"),
            Horizon.BATCH_ID, false);
    static final ForgettingStatement LOADED_BATCHES = new ForgettingStatement("loaded batches",
            oldest("load_batch", "batch_id",
                    "batch_id < ? AND batch_id < (SELECT max(batch_id) FROM pipeline.load_batch)", "batch_id"),
            Horizon.BATCH_ID, false);
    static final ForgettingStatement STAGE_RUNS = new ForgettingStatement("stage runs",
            oldest("stage_run", "run_id", "finished_at < ?", "finished_at"), Horizon.TIME, false);
    static final ForgettingStatement CALENDAR_COVERAGE = new ForgettingStatement("batches' calendar coverage", """
            WITH forgotten AS (%s RETURNING first_date, last_date),
                 folded AS (
                   INSERT INTO pipeline.calendar_coverage (batch_id, first_date, last_date)
                   SELECT '%s', min(first_date), max(last_date) FROM forgotten HAVING count(*) > 0
                   ON CONFLICT (batch_id) DO UPDATE
                      SET first_date = least(calendar_coverage.first_date, excluded.first_date),
                          last_date = greatest(calendar_coverage.last_date, excluded.last_date)
                   RETURNING 1)
            SELECT count(*) FROM forgotten""".formatted(
            oldest("calendar_coverage", "batch_id", "batch_id < ?", "batch_id"), EARLIER_BATCHES),
            Horizon.BATCH_ID, true);
    static final ForgettingStatement FAILED_RECONCILIATIONS = new ForgettingStatement(
            "rows of reconciliations that failed on the way", oldest("reconcile_run", "run_id, table_name",
                    "finished_at IS NULL AND run_id < (SELECT max(run_id) FROM pipeline.reconcile_run)", "run_id"),
            Horizon.NONE, false);
    static final ForgettingStatement RECONCILIATIONS = new ForgettingStatement("rows of finished reconciliations",
            oldest("reconcile_run", "run_id, table_name", """
                    run_id < ? AND finished_at IS NOT NULL
                    AND run_id < (SELECT max(run_id) FROM pipeline.reconcile_run WHERE finished_at IS NOT NULL)""",
                    "run_id"),
            Horizon.BATCH_ID, false);
    static final ForgettingStatement REPLAY_REQUESTS = new ForgettingStatement("done replay requests",
            oldest("replay_request", "request_id", "done_at < ?", "done_at"), Horizon.TIME, false);
    static final ForgettingStatement REPLAYED_QUARANTINES = new ForgettingStatement("replayed quarantined batches",
            oldest("quarantined_batch", "batch_id", "replayed_at < ?", "replayed_at"), Horizon.TIME, false);

    private final AgroalDataSource warehouse;
    private final RetentionSettings settings;
    private final Clock clock;

    PipelineRetention(AgroalDataSource warehouse, RetentionSettings settings, Clock clock) {
        this.warehouse = warehouse;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * One pass: each kind of record older than its retention, in bounded deletes. A failure
     * (the warehouse away) is said in one WARN line per kind of record; the next pass tries again.
     *
     * @return how many rows of each kind went
     */
    public Map<String, Long> forgetOldRecords() {
        Map<String, Long> forgotten = new LinkedHashMap<>();
        Instant now = clock.instant();
        // the coverage folds before the load log goes, then the batch log after the load log it looks at
        List<Map.Entry<ForgettingStatement, Duration>> passes = List.of(
                Map.entry(CALENDAR_COVERAGE, settings.batchLog()),
                Map.entry(EXTRACT_BATCHES, settings.batchLog()),
                Map.entry(LOADED_BATCHES, settings.batchLog()),
                Map.entry(STAGE_RUNS, settings.batchLog()),
                Map.entry(FAILED_RECONCILIATIONS, settings.reconciliations()),
                Map.entry(RECONCILIATIONS, settings.reconciliations()),
                Map.entry(REPLAY_REQUESTS, settings.replayRequests()),
                Map.entry(REPLAYED_QUARANTINES, settings.replayRequests()));
        for (Map.Entry<ForgettingStatement, Duration> pass : passes) {
            try {
                long rows = forget(pass.getKey(), now.minus(pass.getValue()));
                if (rows > 0) {
                    forgotten.put(pass.getKey().records(), rows);
                }
            } catch (SQLException e) {
                LOG.warnf("Retention: forgetting %s failed (%s); the next pass in ETL_RETENTION_INTERVAL tries again",
                        pass.getKey().records(), e.getMessage());
            }
        }
        if (!forgotten.isEmpty()) {
            LOG.infof("Retention: forgot %s (batch log older than %s, reconciliations older than %s, replay "
                    + "requests older than %s)", forgotten, settings.batchLog(), settings.reconciliations(),
                    settings.replayRequests());
        }
        return forgotten;
    }

    /**
     * Deletes the oldest rows of a table of the schema {@code pipeline} that meet a condition, at
     * most as many as the last parameter says, found by their key.
     */
    private static String oldest(String table, String key, String condition, String order) {
        return """
                DELETE FROM pipeline.%1$s WHERE (%2$s) IN (
                  SELECT %2$s FROM pipeline.%1$s WHERE %3$s ORDER BY %4$s LIMIT ?)""".formatted(table, key,
                condition, order);
    }

    private long forget(ForgettingStatement statement, Instant horizon) throws SQLException {
        long total = 0;
        for (int delete = 0; delete < settings.deletesPerPass(); delete++) {
            long rows = deleteOnce(statement, horizon);
            total += rows;
            if (rows < settings.deleteRows()) {
                break;
            }
        }
        return total;
    }

    private long deleteOnce(ForgettingStatement statement, Instant horizon) throws SQLException {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement delete = connection.prepareStatement(statement.sql())) {
            int parameter = 1;
            switch (statement.horizon()) {
                case BATCH_ID -> delete.setString(parameter++, BATCH_TIME.format(horizon));
                case TIME -> delete.setTimestamp(parameter++, Timestamp.from(horizon));
                case NONE -> {
                }
            }
            delete.setInt(parameter, settings.deleteRows());
            if (!statement.query()) {
                return delete.executeUpdate();
            }
            try (ResultSet result = delete.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }
}
