package io.totesys.pipeline.starschema;

import io.smallrye.config.ConfigMapping;

/** How the transform stage writes Parquet. */
@ConfigMapping(prefix = "etl.transform")
public interface TransformSettings {

    /**
     * {@code ETL_TRANSFORM_ROWS_PER_FILE}: the most rows one Parquet object holds; a larger
     * table is written as several parts, so memory stays flat whatever the batch's size.
     */
    int rowsPerFile();

    /**
     * {@code ETL_PARQUET_CODEC}: the Parquet compression codec, {@code SNAPPY} (fast) or
     * {@code ZSTD} (smaller).
     */
    String parquetCodec();

    /**
     * {@code ETL_MAX_FIELD_LENGTH}: the longest text value, in characters, a source object
     * may hold; an object with a longer one is quarantined, as no ToteSys column holds such
     * text and one that does is corrupt or hostile.
     */
    int maxFieldLength();

    /**
     * {@code ETL_TRANSFORM_PARALLEL_TABLES}: how many warehouse tables of a batch are written
     * side by side, each holding one Parquet part's buffers at a time: the cores the stage
     * may use, and what bounds its memory.
     */
    int parallelTables();
}
