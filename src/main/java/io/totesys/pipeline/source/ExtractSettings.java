package io.totesys.pipeline.source;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/** How the extractor reads ToteSys (SPEC section 4). */
@ConfigMapping(prefix = "etl.extract")
public interface ExtractSettings {

    /**
     * {@code ETL_EXTRACT_SAFETY_MARGIN}: no longer used. Batches read by transaction
     * snapshots, which need no margin for late commits; the setting is still accepted so that
     * existing configurations start.
     */
    @Deprecated
    Duration safetyMargin();

    /** {@code ETL_EXTRACT_FETCH_SIZE}: rows fetched from the cursor at a time. */
    int fetchSize();

    /** {@code ETL_BACKFILL}: the first batch after start takes whole tables, whatever the watermarks say. */
    @WithName("backfill")
    boolean backfillAtStart();
}
