package io.totesys.pipeline.warehouse;

import java.util.List;
import java.util.Optional;

import org.apache.avro.Schema;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * A warehouse table a load batch stages Parquet rows for: a star schema table, or the table
 * that records a star schema table's deletions ({@link WarehouseDeletions}).
 *
 * @param name the warehouse table's name, in {@code public}
 * @param columns the columns the Parquet objects hold, in order
 * @param avroSchema the schema the Parquet objects are written with
 */
record StagedTable(String name, List<WarehouseColumn> columns, Schema avroSchema) {

    /**
     * The table a Parquet object a manifest lists is staged for: its table's rows, or its
     * table's deletions when it is a deletions object; empty when the star schema has no
     * such table, or the table records no deletions.
     */
    static Optional<StagedTable> of(BatchManifest.Entry object) {
        boolean deletions = LakeLayout.isDeletions(object.key());
        return WarehouseTable.byTableName(object.table())
                .filter(table -> !deletions || WarehouseDeletions.recorded(table))
                .map(table -> deletions ? deletionsOf(table) : rowsOf(table));
    }

    static StagedTable rowsOf(WarehouseTable table) {
        return new StagedTable(table.tableName(), table.columns(), table.avroSchema());
    }

    static StagedTable deletionsOf(WarehouseTable table) {
        return new StagedTable(WarehouseDeletions.tableName(table), WarehouseDeletions.columns(table),
                WarehouseDeletions.avroSchema(table));
    }
}
