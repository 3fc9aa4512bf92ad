package io.totesys.pipeline.extract;

import java.time.Duration;

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
     * {@code TablesFoundEqual}); {@code 0}: every poll and every reconciliation reads every table.
     */
    Duration fullScanInterval();

    /** {@code ETL_EXTRACT_FETCH_SIZE}: rows fetched from the cursor at a time. */
    int fetchSize();

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
