package io.totesys.pipeline.extract;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import io.totesys.pipeline.schemadrift.SchemaChangePolicy;

/** How the extractor reads ToteSys (docs/architecture.md#extract-what-a-batch-reads). */
@ConfigMapping(prefix = "etl.extract")
public interface ExtractSettings {

    /**
     * {@code ETL_EXTRACT_SAFETY_MARGIN}: no longer used. Batches read by transaction
     * snapshots, which need no margin for late commits; the setting is still accepted so that
     * existing configurations start.
     */
    @Deprecated
    Duration safetyMargin();

    /**
     * {@code ETL_OPEN_TRANSACTION_WARNING}: how long a transaction may stay open on ToteSys's
     * server before the extract says so in a WARN line ({@link OpenTransactionWatch}).
     */
    Duration openTransactionWarning();

    /**
     * {@code ETL_FULL_SCAN_INTERVAL}: the longest a table goes unread while PostgreSQL's
     * statistics counters say nobody wrote to it ({@link UnchangedTables}; and by reconciliation,
     * {@code TablesFoundEqual}, as a warehouse view goes uncompared, {@code ViewsFoundEqual});
     * {@code 0}: every poll and every reconciliation reads every table and view.
     */
    Duration fullScanInterval();

    /** {@code ETL_EXTRACT_FETCH_SIZE}: rows fetched from the cursor at a time. */
    int fetchSize();

    /**
     * {@code ETL_EXTRACT_PARALLEL_TABLES}: how many tables a batch reads at once, each on a
     * connection of its own that shares the batch's snapshot; {@code 1} reads them one after
     * another on one connection.
     */
    int parallelTables();

    /** The most tables read at once: the connections to ToteSys (4) less one for the readiness check. */
    int MOST_PARALLEL_TABLES = 3;

    /** Why {@link #parallelTables()} cannot work, in one line; empty when it can. */
    default Optional<String> parallelTablesProblem() {
        if (parallelTables() >= 1 && parallelTables() <= MOST_PARALLEL_TABLES) {
            return Optional.empty();
        }
        return Optional.of("ETL_EXTRACT_PARALLEL_TABLES '%d' is out of range: write 1 (one table after another) to %d"
                .formatted(parallelTables(), MOST_PARALLEL_TABLES));
    }

    /** {@code ETL_BACKFILL}: the first batch after start takes whole tables, whatever the watermarks say. */
    @WithName("backfill")
    boolean backfillAtStart();

    /**
     * {@code ETL_SCHEMA_CHANGE_POLICY}: what the extract does while a ToteSys table lacks a
     * column the star schema needs ({@link SchemaChangePolicy}: {@code hold-table} or
     * {@code hold-pipeline}); checked as the service starts.
     */
    String schemaChangePolicy();

    /** The policy the setting names; the start-up check has made sure it names one. */
    default SchemaChangePolicy policy() {
        return SchemaChangePolicy.of(schemaChangePolicy()).orElse(SchemaChangePolicy.HOLD_TABLE);
    }
}
