package io.totesys.pipeline.starschema;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * A column of a ToteSys table an operator carries into the star schema table whose rows come
 * from that table ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS}): under the same name, of a type the
 * warehouse declares, NULL where the source row has no value or the lake object no such column.
 *
 * @param source the ToteSys table
 * @param table the star schema table its rows go to
 * @param column the column's name, the same in ToteSys, the lake, Parquet and the warehouse
 * @param type the column's type in the warehouse
 */
public record AddedColumn(SourceTable source, WarehouseTable table, String column, WarehouseColumnType type) {

    /** The column as the star schema table holds it: nullable, referring to no dimension. */
    public WarehouseColumn warehouseColumn() {
        return new WarehouseColumn(column, type, true, null);
    }

    /** The column's name as SQL names it, quoted ({@link WarehouseColumn#sqlName}). */
    public String sqlName() {
        return warehouseColumn().sqlName();
    }

    /** How the setting writes it: {@code sales_order.discount_percent numeric(5,2)}. */
    @Override
    public String toString() {
        return source.tableName() + "." + column + " " + type.sqlType();
    }
}
