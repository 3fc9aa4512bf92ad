package io.totesys.pipeline.warehouse;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;

/** How the load stage loads a batch: {@code etl.load.*}. */
@ConfigMapping(prefix = "etl.load")
public interface LoadSettings {

    /**
     * {@code ETL_LOAD_BULK_ROWS}: a batch of at least this many rows (the sum its Parquet manifest
     * lists) is a bulk batch ({@link BulkLoads}): the star schema's foreign keys are dropped
     * while it loads and added again, each validated once, set-wise, in its transaction. A
     * smaller batch has each of its fact rows checked as it is inserted. {@code 0} makes every
     * batch a bulk batch.
     */
    long bulkRows();

    /**
     * {@code ETL_LOAD_LOCK_TIMEOUT}: how long a bulk batch waits for the brief exclusive lock
     * that drops the foreign keys; readers that come while it waits wait too. Longer, and the
     * batch loads with the foreign keys in place, its rows checked one by one.
     */
    Duration lockTimeout();
}
