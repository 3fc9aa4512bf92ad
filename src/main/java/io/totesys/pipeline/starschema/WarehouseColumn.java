package io.totesys.pipeline.starschema;

/**
 * One column of a star schema table.
 *
 * @param references the dimension a fact column refers to (its key, or {@code dim_date}),
 *        or {@code null}
 */
public record WarehouseColumn(String name, WarehouseColumnType type, boolean nullable, String references) {

    public boolean isReference() {
        return references != null;
    }
}
