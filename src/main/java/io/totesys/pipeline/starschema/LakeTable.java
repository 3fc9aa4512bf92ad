package io.totesys.pipeline.starschema;

import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;

/**
 * One table of the lake's star schema as readers see it (docs/architecture.md#iceberg-tables):
 * a warehouse table, or the deletions of one ({@code <table>_deletion}: the keys of its rows
 * deleted in ToteSys, when each deletion was first seen), which the warehouse keeps as a table
 * of the same name.
 *
 * @param table the warehouse table
 * @param deletions whether this is the table of its deletions
 */
public record LakeTable(WarehouseTable table, boolean deletions) {

    public LakeTable {
        if (deletions && !WarehouseDeletions.recorded(table)) {
            throw new IllegalArgumentException(table.tableName() + " records no deletions");
        }
    }

    /** The warehouse table itself. */
    public static LakeTable of(WarehouseTable table) {
        return new LakeTable(table, false);
    }

    /** The table of a warehouse table's deletions. */
    public static LakeTable deletionsOf(WarehouseTable table) {
        return new LakeTable(table, true);
    }

    /** Every table of the lake: the star schema's in its order, then each one's deletions in the same order. */
    public static List<LakeTable> all() {
        List<LakeTable> tables = new ArrayList<>();
        for (WarehouseTable table : WarehouseTable.values()) {
            tables.add(of(table));
        }
        for (WarehouseTable table : WarehouseDeletions.tables()) {
            tables.add(deletionsOf(table));
        }
        return tables;
    }

    /** The table's name: the warehouse table's, or {@code <table>_deletion}. */
    public String name() {
        return deletions ? WarehouseDeletions.tableName(table) : table.tableName();
    }

    /** The table's columns, in order. */
    public List<WarehouseColumn> columns() {
        return deletions ? WarehouseDeletions.columns(table) : table.columns();
    }

    /** The column that holds a row's key: the warehouse table's key, in its deletions too. */
    public String keyColumn() {
        return table.keyColumn();
    }

    /** The Avro schema the table's Parquet files are written with. */
    public Schema avroSchema() {
        return deletions ? WarehouseDeletions.avroSchema(table) : table.avroSchema();
    }

    /**
     * Whether every batch's rows are added to the table as they are: a fact's versions (its
     * history is the table), the calendar's new days, and every table of deletions. A
     * dimension's rows replace the members' earlier versions instead.
     */
    public boolean appendOnly() {
        return deletions || table.isFact() || table == WarehouseTable.DIM_DATE;
    }

    @Override
    public String toString() {
        return name();
    }
}
