package io.totesys.pipeline.starschema;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

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
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "transform-table-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return Executors.newFixedThreadPool(settings.parallelTables(), factory);
    }

    void close(@Disposes @Named("transformTableThreads") ExecutorService threads) {
        threads.shutdownNow();
    }
}
