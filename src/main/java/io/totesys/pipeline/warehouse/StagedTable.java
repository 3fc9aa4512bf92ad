package io.totesys.pipeline.warehouse;

import java.util.List;
import java.util.Optional;

import org.apache.avro.Schema;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.InvalidLakeObjectException;
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

    /**
     * Checks that a Parquet object's rows fit the table before any is copied: every column of
     * the table, of its type. A Parquet object that passes its checksum but was written for
     * other columns (a column of the wrong type, a missing one) is invalid. An object written
     * before an operator added columns to its table lacks them at its end: its rows load with
     * NULL in them.
     *
     * @param key the object's key, which names it in the failure
     * @param found the schema the object's rows were written with
     */
    void checkFits(String key, Schema found) {
        for (Schema.Field column : avroSchema.getFields()) {
            Schema.Field field = found.getField(column.name());
            if (field == null && column.pos() >= found.getFields().size() && column.hasDefaultValue()) {
                continue;
            }
            if (field == null || field.pos() != column.pos()) {
                throw new InvalidLakeObjectException(key, "it does not fit " + name + ": it has no column "
                        + column.name() + " at position " + (column.pos() + 1), null);
            }
            if (!field.schema().equals(column.schema())) {
                throw new InvalidLakeObjectException(key, "it does not fit " + name + ": its column "
                        + column.name() + " is " + field.schema() + ", the table's is " + column.schema(), null);
            }
        }
    }
}
