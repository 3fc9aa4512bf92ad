package io.totesys.pipeline.starschema;

import java.util.concurrent.ExecutorService;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import io.totesys.pipeline.stage.TableThreads;

/**
 * The threads that write a transform batch's warehouse tables side by side (the route's
 * {@code warehouse-tables} split): {@code ETL_TRANSFORM_PARALLEL_TABLES} of them, so that the
 * stage uses that many cores and holds that many Parquet parts at most.
 */
@Singleton
class TransformThreads {

    @Produces
    @Singleton
    @Named("transformTableThreads")
    ExecutorService tableThreads(TransformSettings settings) {
        if (settings.parallelTables() < 1) {
            throw new IllegalArgumentException(
                    "ETL_TRANSFORM_PARALLEL_TABLES must be at least 1, not " + settings.parallelTables());
        }
        return TableThreads.fixed("transform", settings.parallelTables());
    }

    void close(@Disposes @Named("transformTableThreads") ExecutorService threads) {
        threads.shutdownNow();
    }
}
