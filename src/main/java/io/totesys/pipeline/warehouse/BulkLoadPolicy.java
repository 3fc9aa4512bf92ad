package io.totesys.pipeline.warehouse;

import java.time.Duration;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.totesys.pipeline.lake.BatchManifest;

/**
 * Which batches are bulk batches: those of at least {@code ETL_LOAD_BULK_ROWS} rows that are
 * also large beside what the facts hold already, such as a first load, a backfill or a replay
 * of a whole table. A bulk batch loads with the star schema's foreign keys dropped
 * ({@link ForeignKeys}) and its tables analysed; any other loads as before, each fact row
 * checked against its dimensions as it is inserted.
 * <p>
 * Adding a foreign key back validates the whole fact table, not only the batch's rows: one
 * scan per key, each row far cheaper than the index lookup a row checked on insert costs. So a
 * batch that adds less than {@value #LARGEST_SHARE_CHECKED_ROW_BY_ROW} of what the fact tables
 * already hold loads faster with its rows checked one by one, however many rows it holds.
 */
@ApplicationScoped
public class BulkLoadPolicy {

    /** Below this share of the facts already loaded, checking a batch's rows one by one is cheaper. */
    static final double LARGEST_SHARE_CHECKED_ROW_BY_ROW = 0.25;

    private final LoadSettings settings;

    BulkLoadPolicy(LoadSettings settings) {
        this.settings = settings;
    }

    /**
     * Whether the batch this manifest lists is a bulk batch, given the rows the fact tables
     * hold (asked only of a batch of at least {@code ETL_LOAD_BULK_ROWS} rows).
     */
    boolean isBulk(BatchManifest manifest, LongSupplier factRows) {
        long rows = manifest.objects().stream().mapToLong(BatchManifest.Entry::rows).sum()
                + manifest.deletions().stream().mapToLong(BatchManifest.Entry::rows).sum();
        return rows >= settings.bulkRows() && rows >= LARGEST_SHARE_CHECKED_ROW_BY_ROW * factRows.getAsLong();
    }

    /** How long a bulk batch waits for the exclusive lock that drops the foreign keys. */
    Duration lockTimeout() {
        return settings.lockTimeout();
    }
}
