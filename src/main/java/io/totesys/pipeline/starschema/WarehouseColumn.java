package io.totesys.pipeline.starschema;

/** One column of a star schema table. */
public record WarehouseColumn(String name, WarehouseColumnType type, boolean nullable) {
}
