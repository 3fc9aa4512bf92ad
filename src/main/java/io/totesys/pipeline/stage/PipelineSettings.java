package io.totesys.pipeline.stage;

import java.time.Duration;
import java.time.ZoneId;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The settings every stage shares (docs/configuration.md#every-stage). Periods the stage routes' timers read
 * are Camel durations ({@code 30s}, {@code 5m}, {@code 1h}), kept as written here and
 * checked as the service starts ({@code SettingsCheck}), so that a malformed one is
 * reported in one line that names it.
 */
@ConfigMapping(prefix = "etl")
public interface PipelineSettings {

    /** {@code ETL_POLL_INTERVAL}: how often the extract polls ToteSys for changes. */
    String pollInterval();

    /** {@code ETL_STAGE_POLL_INTERVAL}: how often the transform and the load look for new batches. */
    String stagePollInterval();

    /**
     * {@code ETL_RECONCILE_INTERVAL}: how often each ToteSys table is compared, key by key, with
     * what the lake holds of it, and any difference repaired; {@code 0} turns it off.
     */
    String reconcileInterval();

    /**
     * {@code ETL_RECONCILE_WAREHOUSE_WAIT}: how long a reconciliation waits, with the extract's
     * lock held, for the load to catch up with the published batches before it compares the
     * warehouse's current views with ToteSys; past it, the views wait for the next run.
     */
    Duration reconcileWarehouseWait();

    /**
     * {@code ETL_PROGRESS_INTERVAL}: how often a stage still working on one table of a batch
     * says how far it got ({@link BatchProgress}).
     */
    Duration progressInterval();

    /** {@code ETL_RUN_ONCE}: run one batch of every stage in order, then exit. */
    boolean runOnce();

    Source source();

    Retry retry();

    Health health();

    Replay replay();

    /** How ToteSys writes its timestamps. */
    interface Source {

        /**
         * {@code TOTESYS_TIME_ZONE}: the zone ToteSys writes {@code last_updated} in, without
         * an offset; the extract reads the database clock in it, and the freshness lag is
         * measured in it.
         */
        ZoneId timeZone();
    }

    /** How a stage whose batch failed tries again ({@link StageRetries}). */
    interface Retry {

        /** {@code ETL_RETRY_INITIAL_BACKOFF}: the wait after a first failure. */
        String initialBackoff();

        /** {@code ETL_RETRY_MAX_BACKOFF}: the longest wait, however many failures in a row. */
        String maxBackoff();
    }

    /** Readiness. */
    interface Health {

        /** {@code ETL_HEALTH_CHECK_INTERVAL}: how often the dependencies are checked in the background. */
        Duration checkInterval();
    }

    /** How an operator's replay request that fails is tried again ({@link ReplayRequests}). */
    interface Replay {

        /**
         * {@code ETL_REPLAY_ATTEMPTS}: how often a replay request that fails (S3 refuses an
         * object, an object is archived) is tried before it is closed with its reason.
         */
        @WithDefault("5")
        int attempts();

        /** {@code ETL_REPLAY_RETRY_BACKOFF}: the wait after its first failure; it doubles with each. */
        @WithDefault("1m")
        Duration retryBackoff();
    }
}
