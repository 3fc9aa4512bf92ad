package io.totesys.pipeline.retention;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;

/**
 * How long the pipeline keeps its own records, and how it forgets older ones
 * (docs/configuration.md#retention, docs/operations.md#retention): in small deletes, each its
 * own transaction, a bounded number per pass, so that forgetting never holds a lock for long.
 */
@ConfigMapping(prefix = "etl.retention")
public interface RetentionSettings {

    /** {@code ETL_RETENTION_INTERVAL}: how often the leader forgets old records, a Camel duration. */
    String interval();

    /**
     * {@code ETL_RETENTION_BATCH_LOG}: how long the batch log keeps a batch (extract batches and
     * their read horizons, the load log, the stages' runs, the calendar coverage of each batch).
     */
    Duration batchLog();

    /** {@code ETL_RETENTION_RECONCILIATIONS}: how long a finished reconciliation's rows are kept. */
    Duration reconciliations();

    /** {@code ETL_RETENTION_REPLAY_REQUESTS}: how long a done replay request, or a replayed quarantined batch, is kept. */
    Duration replayRequests();

    /** {@code ETL_RETENTION_DELETE_ROWS}: the most rows one delete removes (one short transaction). */
    int deleteRows();

    /** {@code ETL_RETENTION_DELETES_PER_PASS}: the most deletes one pass runs per kind of record. */
    int deletesPerPass();
}
