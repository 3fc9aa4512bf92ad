package io.totesys.pipeline.warehouse;

import java.util.List;
import java.util.stream.Collectors;

import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The SQL a load batch runs, set-wise: rows are copied into temporary staging tables, one
 * per warehouse table, then merged into the star schema in {@code public}, dimensions
 * first (the latest batch's version wins), then facts (one row per version not already there).
 */
final class MergeStatements {

    /** The column of a fact version that names the batch that brought it. */
    static final String BATCH_COLUMN = "batch_id";

    /** The text of an inferred dimension row's attributes. */
    static final String INFERRED = "Unknown";

    private MergeStatements() {
    }

    /** The staging table of a warehouse table: a temporary table that goes with the transaction. */
    static String stagingTable(WarehouseTable table) {
        return "staging_" + table.tableName();
    }

    /** Creates the staging table of a warehouse table, with the same columns, empty. */
    static String createStagingTable(WarehouseTable table) {
        return "CREATE TEMPORARY TABLE " + stagingTable(table) + " ON COMMIT DROP AS SELECT " + columnList(table)
                + " FROM public." + table.tableName() + " WITH NO DATA";
    }

    /** Copies rows into the staging table of a warehouse table. */
    static String copyIntoStaging(WarehouseTable table, CopyEncoder encoder) {
        return "COPY " + stagingTable(table) + " (" + columnList(table) + ") FROM STDIN " + encoder.copyOptions();
    }

    /** Empties the staging table of a warehouse table, when its rows of the batch are left out. */
    static String clearStaging(WarehouseTable table) {
        return "DELETE FROM " + stagingTable(table);
    }

    /**
     * Dimensions hold the latest version: insert new keys, overwrite known ones, marked with the
     * batch that brought them (parameter 1); a row that a newer batch wrote is left alone, so
     * that an older batch loaded again (a replay) never rolls it back. Rows without a batch
     * (inferred members, days added whole, rows from before batches were kept) are overwritten.
     */
    static String upsert(WarehouseTable dimension) {
        String columns = columnList(dimension);
        String updates = dimension.columnNames().stream().skip(1).map(column -> column + " = excluded." + column)
                .collect(Collectors.joining(", "));
        return "INSERT INTO public." + dimension.tableName() + " AS d (" + columns + ", " + BATCH_COLUMN
                + ") SELECT DISTINCT ON (" + dimension.keyColumn() + ") " + columns + ", ?::text FROM "
                + stagingTable(dimension) + " ORDER BY " + dimension.keyColumn() + " ON CONFLICT ("
                + dimension.keyColumn() + ") DO UPDATE SET " + updates + ", " + BATCH_COLUMN + " = excluded."
                + BATCH_COLUMN + " WHERE d." + BATCH_COLUMN + " IS NULL OR d." + BATCH_COLUMN + " <= excluded."
                + BATCH_COLUMN;
    }

    /**
     * Facts keep history: a row for each version not already in the warehouse, whichever batch
     * brought it, marked with the batch that brought it (parameter 1), by which the
     * {@code *_current} views order versions.
     */
    static String appendNewVersions(WarehouseTable fact) {
        String columns = columnList(fact);
        String sameVersion = "(" + prefixed(fact, "f.") + ") IS NOT DISTINCT FROM (" + prefixed(fact, "s.") + ")";
        return "INSERT INTO public." + fact.tableName() + " (" + columns + ", " + BATCH_COLUMN + ") SELECT DISTINCT "
                + columns + ", ?::text FROM "
                + stagingTable(fact) + " s WHERE NOT EXISTS (SELECT 1 FROM public." + fact.tableName() + " f WHERE f."
                + fact.keyColumn() + " = s." + fact.keyColumn() + " AND " + sameVersion + ") ORDER BY "
                + fact.keyColumn() + ", last_updated_date, last_updated_time";
    }

    /**
     * Inserts an inferred member, key only and text {@value #INFERRED}, for each dimension
     * row the staged facts refer to through a column but the dimension lacks; returns
     * their keys.
     */
    static String inferMissingMembers(WarehouseTable fact, WarehouseColumn reference, WarehouseTable dimension) {
        String placeholders = dimension.columns().stream().skip(1)
                .map(attribute -> attribute.nullable() ? "NULL::" + attribute.type().sqlType() : "'" + INFERRED + "'")
                .collect(Collectors.joining(", "));
        return "INSERT INTO public." + dimension.tableName() + " (" + columnList(dimension) + ") SELECT DISTINCT s."
                + reference.name() + ", " + placeholders + " FROM " + stagingTable(fact) + " s WHERE NOT EXISTS"
                + " (SELECT 1 FROM public." + dimension.tableName() + " d WHERE d." + dimension.keyColumn() + " = s."
                + reference.name() + ") ON CONFLICT DO NOTHING RETURNING " + dimension.keyColumn();
    }

    /** The days the staged facts refer to through a column but {@code dim_date} lacks. */
    static String missingDays(WarehouseTable fact, WarehouseColumn reference) {
        return "SELECT DISTINCT s." + reference.name() + " FROM " + stagingTable(fact) + " s WHERE s."
                + reference.name() + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public."
                + WarehouseTable.DIM_DATE.tableName() + " d WHERE d." + WarehouseTable.DIM_DATE.keyColumn() + " = s."
                + reference.name() + ")";
    }

    /** Inserts one row of a table, its values as text parameters in column order; an existing key is left alone. */
    static String insertRow(WarehouseTable table) {
        String values = table.columns().stream().map(column -> "?::" + column.type().sqlType())
                .collect(Collectors.joining(", "));
        return "INSERT INTO public." + table.tableName() + " (" + columnList(table) + ") VALUES (" + values
                + ") ON CONFLICT DO NOTHING";
    }

    private static String columnList(WarehouseTable table) {
        return String.join(", ", table.columnNames());
    }

    private static String prefixed(WarehouseTable table, String alias) {
        List<String> names = table.columnNames();
        return names.stream().map(column -> alias + column).collect(Collectors.joining(", "));
    }
}
