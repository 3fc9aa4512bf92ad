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

    /**
     * The column's name as SQL names it, quoted by PostgreSQL's rules, so that any name, an SQL
     * keyword such as {@code order} too, reads as the column.
     */
    public String sqlName() {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
