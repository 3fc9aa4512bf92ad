package io.totesys.pipeline.iceberg;

import java.util.concurrent.ExecutorService;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import io.totesys.pipeline.stage.TableThreads;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The threads that commit a batch's Iceberg tables side by side (the transform route's split
 * {@code iceberg-tables}): one per star schema table, as a commit mostly waits on S3 and the
 * catalog (three objects written, a compare-and-set in the warehouse), so that a batch's
 * commits take about as long as its slowest one.
 */
@Singleton
class CommitThreads {

    @Produces
    @Singleton
    @Named("icebergCommitThreads")
    ExecutorService commitThreads() {
        return TableThreads.fixed("iceberg-commit", WarehouseTable.values().length);
    }

    void close(@Disposes @Named("icebergCommitThreads") ExecutorService threads) {
        threads.shutdownNow();
    }
}
