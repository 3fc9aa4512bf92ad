package io.totesys.pipeline.extract;

import java.util.concurrent.ExecutorService;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import io.totesys.pipeline.stage.TableThreads;

/**
 * The threads that read an extract batch's tables side by side (the route's
 * {@code extract-tables} split): {@code ETL_EXTRACT_PARALLEL_TABLES} of them, each table on a
 * connection of its own in the batch's one snapshot of ToteSys.
 */
@Singleton
class ExtractThreads {

    @Produces
    @Singleton
    @Named("extractTableThreads")
    ExecutorService tableThreads(ExtractSettings settings) {
        return TableThreads.fixed("extract", Math.max(1, settings.parallelTables()));
    }

    void close(@Disposes @Named("extractTableThreads") ExecutorService threads) {
        threads.shutdownNow();
    }
}
