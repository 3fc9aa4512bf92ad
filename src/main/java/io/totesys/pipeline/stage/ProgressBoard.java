package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.BatchId;

/**
 * The tables the stages are working on now, with the rows and bytes done so far, in
 * {@code pipeline.batch_progress} for the status page: every {@code ETL_STATUS_CACHE} while
 * any table's work is under way, one transaction brings the rows of those that lasted that
 * long up to date and removes those that ended. A table done sooner is never written, and
 * while no stage works nothing is, so that it costs nothing when idle.
 */
@ApplicationScoped
public class ProgressBoard {

    private static final Logger LOG = Logger.getLogger(ProgressBoard.class);

    private final AgroalDataSource warehouse;
    private final Duration period;
    private final Set<BatchProgress> underWay = ConcurrentHashMap.newKeySet();
    private final Set<BatchProgress> written = new HashSet<>();
    private ScheduledExecutorService writer;

    ProgressBoard(AgroalDataSource warehouse, @ConfigProperty(name = "etl.status.cache") Duration period) {
        this.warehouse = warehouse;
        this.period = period;
    }

    /** Starts following one table's work in a batch; {@link BatchProgress#close()} ends it. */
    public BatchProgress start(PipelineStage stage, BatchId batch, String table, Duration logInterval,
            long expectedBytes) {
        BatchProgress progress = new BatchProgress(stage, batch, table, logInterval, expectedBytes, this::ended);
        underWay.add(progress);
        startWriting();
        return progress;
    }

    private void ended(BatchProgress progress) {
        underWay.remove(progress);
    }

    private synchronized void startWriting() {
        if (writer == null) {
            writer = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "progress-board");
                thread.setDaemon(true);
                return thread;
            });
            long millis = Math.max(100, period.toMillis());
            writer.scheduleWithFixedDelay(this::write, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Brings the board up to date: the tables under way for a period or more, none that ended. */
    synchronized void write() {
        long now = System.nanoTime();
        List<BatchProgress> current = new ArrayList<>();
        for (BatchProgress progress : underWay) {
            if (now - progress.startedNanos() >= period.toNanos()) {
                current.add(progress);
            }
        }
        List<BatchProgress> ended = written.stream().filter(progress -> !underWay.contains(progress)).toList();
        if (current.isEmpty() && ended.isEmpty()) {
            return;
        }
        try (Connection connection = warehouse.getConnection();
                PreparedStatement upsert = connection.prepareStatement("""
                        INSERT INTO pipeline.batch_progress (stage, table_name, batch_id, rows_done, bytes_done,
                                                             started_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, now())
                        ON CONFLICT (stage, table_name) DO UPDATE
                           SET batch_id = excluded.batch_id, rows_done = excluded.rows_done,
                               bytes_done = excluded.bytes_done, started_at = excluded.started_at,
                               updated_at = now()""");
                PreparedStatement remove = connection.prepareStatement(
                        "DELETE FROM pipeline.batch_progress WHERE stage = ? AND table_name = ? AND batch_id = ?")) {
            for (BatchProgress progress : current) {
                upsert.setString(1, progress.stage().stageName());
                upsert.setString(2, progress.table());
                upsert.setString(3, progress.batch().value());
                upsert.setLong(4, progress.rowsSoFar());
                upsert.setLong(5, progress.bytesSoFar());
                upsert.setTimestamp(6, Timestamp.from(progress.startedAt()));
                upsert.addBatch();
            }
            for (BatchProgress progress : ended) {
                remove.setString(1, progress.stage().stageName());
                remove.setString(2, progress.table());
                remove.setString(3, progress.batch().value());
                remove.addBatch();
            }
            upsert.executeBatch();
            remove.executeBatch();
            written.addAll(current);
            written.removeAll(ended);
        } catch (SQLException | RuntimeException e) {
            LOG.debugf(e, "Writing the stages' progress for the status page failed: %s", e.getMessage());
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (writer != null) {
            writer.shutdownNow();
        }
    }
}
