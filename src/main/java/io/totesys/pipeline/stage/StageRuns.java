package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.BatchId;

/**
 * What the stages did, kept in the pipeline schema so that every replica's status page shows
 * the same: each batch a stage completed ({@code pipeline.stage_run}: when, how long, rows per
 * table, and after a load the freshness lag), and each stage's failures in a row with its next
 * attempt ({@code pipeline.stage_state}). Recording is a side note, written in the background
 * in the order it came, so that a stage never waits on it: a warehouse that does not answer loses
 * the note, never the batch.
 */
@ApplicationScoped
public class StageRuns {

    private static final Logger LOG = Logger.getLogger(StageRuns.class);

    private static final String RUN = """
            INSERT INTO pipeline.stage_run (stage, batch_id, started_at, finished_at, row_count, row_counts, lag_seconds)
            VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)""";
    private static final String FAILED = """
            INSERT INTO pipeline.stage_state AS state
                   (stage, failures_in_a_row, last_failure, last_failed_at, next_attempt_at, updated_at)
            VALUES (?, 1, ?, ?, ?, now())
            ON CONFLICT (stage) DO UPDATE
               SET failures_in_a_row = state.failures_in_a_row + 1, last_failure = excluded.last_failure,
                   last_failed_at = excluded.last_failed_at, next_attempt_at = excluded.next_attempt_at,
                   updated_at = now()""";
    private static final String SUCCEEDED = """
            UPDATE pipeline.stage_state SET failures_in_a_row = 0, next_attempt_at = NULL, updated_at = now()
             WHERE stage = ? AND failures_in_a_row > 0""";

    /** The most notes that wait for the warehouse; older ones go first. */
    private static final int WAITING_NOTES = 1_000;

    private final AgroalDataSource warehouse;
    private final Freshness freshness;
    private final ObjectMapper json;
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(WAITING_NOTES), runnable -> {
                Thread thread = new Thread(runnable, "stage-runs");
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.DiscardOldestPolicy());

    StageRuns(AgroalDataSource warehouse, Freshness freshness, ObjectMapper json) {
        this.warehouse = warehouse;
        this.freshness = freshness;
        this.json = json;
    }

    @PreDestroy
    void stop() {
        writer.shutdown();
    }

    /**
     * Waits until the notes taken so far are written, at most {@code patience}: before the
     * process exits on its own (run-once mode), so that the status page shows its last batches.
     */
    public void awaitWritten(Duration patience) {
        Future<?> written = writer.submit(() -> {
        });
        try {
            written.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            LOG.debugf(e, "The status page's last notes were not all written within %s", patience);
        }
    }

    /**
     * A stage completed a batch with these rows per table, between these two moments; after a
     * load, the lag is noted too ({@link PublishedBatches} notes it).
     */
    void completed(PipelineStage stage, BatchId batch, Instant startedAt, Instant finishedAt,
            Map<String, Long> rowsPerTable) {
        writer.execute(() -> record(stage, batch, startedAt, finishedAt, rowsPerTable));
    }

    private void record(PipelineStage stage, BatchId batch, Instant startedAt, Instant finishedAt,
            Map<String, Long> rowsPerTable) {
        Double lag = null;
        if (stage == PipelineStage.LOAD) {
            double seconds = freshness.lagSeconds();
            lag = Double.isNaN(seconds) ? null : seconds;
        }
        try (Connection connection = warehouse.getConnection();
                PreparedStatement run = connection.prepareStatement(RUN)) {
            run.setString(1, stage.stageName());
            run.setString(2, batch.value());
            run.setTimestamp(3, Timestamp.from(startedAt));
            run.setTimestamp(4, Timestamp.from(finishedAt));
            run.setLong(5, rowsPerTable.values().stream().mapToLong(Long::longValue).sum());
            run.setString(6, json.writeValueAsString(rowsPerTable));
            if (lag == null) {
                run.setNull(7, Types.DOUBLE);
            } else {
                run.setDouble(7, lag);
            }
            run.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            LOG.debugf(e, "Recording the %s of batch %s for the status page failed", stage.stageName(), batch);
        }
    }

    /** A stage's batch failed, with the one-line diagnosis; it tries again after the delay. */
    public void failed(PipelineStage stage, String diagnosis, Duration nextAttemptIn) {
        Instant now = Instant.now();
        writer.execute(() -> recordFailure(stage, diagnosis, now, now.plus(nextAttemptIn)));
    }

    private void recordFailure(PipelineStage stage, String diagnosis, Instant failedAt, Instant nextAttempt) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement failed = connection.prepareStatement(FAILED)) {
            failed.setString(1, stage.stageName());
            failed.setString(2, diagnosis);
            failed.setTimestamp(3, Timestamp.from(failedAt));
            failed.setTimestamp(4, Timestamp.from(nextAttempt));
            failed.executeUpdate();
        } catch (SQLException e) {
            LOG.debugf(e, "Recording the failure of the %s stage for the status page failed", stage.stageName());
        }
    }

    /** A stage's poll succeeded after failures (or for the first time on this replica): none in a row now. */
    public void succeeded(PipelineStage stage) {
        writer.execute(() -> recordSuccess(stage));
    }

    private void recordSuccess(PipelineStage stage) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement succeeded = connection.prepareStatement(SUCCEEDED)) {
            succeeded.setString(1, stage.stageName());
            succeeded.executeUpdate();
        } catch (SQLException e) {
            LOG.debugf(e, "Recording the recovery of the %s stage for the status page failed", stage.stageName());
        }
    }
}
