package io.totesys.pipeline.starschema;

import java.util.Map;

/**
 * The field ids the columns of a lake table's Parquet files carry: the ones its Iceberg
 * table gives them (docs/architecture.md#iceberg-tables), so that every Iceberg reader finds a
 * file's columns by id, as the format wants, whichever columns were added since.
 */
public interface ParquetFieldIds {

    /** Each of the table's columns' field id, by column name. */
    Map<String, Integer> of(LakeTable table);
}
