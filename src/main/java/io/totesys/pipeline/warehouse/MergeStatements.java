package io.totesys.pipeline.warehouse;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The SQL a load batch runs, set-wise: rows are copied into temporary staging tables, one
 * per warehouse table, then merged into the star schema in {@code public}, dimensions
 * first (the latest batch's version wins), then facts (one row per version not already there).
 * <p>
 * Every list of a table's columns names them quoted ({@link WarehouseColumn#sqlName}): it holds
 * the columns operators add, whose names may be SQL keywords ({@code order}, {@code user}). The
 * columns named one by one (keys, {@value #BATCH_COLUMN}, {@code last_updated_date}) are the
 * star schema's own, never an operator's.
 */
final class MergeStatements {

    /** The column of a fact version that names the batch that brought it. */
    static final String BATCH_COLUMN = WarehouseTable.BATCH_COLUMN;

    /** The text of an inferred dimension row's attributes. */
    static final String INFERRED = "Unknown";

    private MergeStatements() {
    }

    /** The staging table of a warehouse table: a temporary table that goes with the transaction. */
    static String stagingTable(WarehouseTable table) {
        return stagingTable(StagedTable.rowsOf(table));
    }

    private static String stagingTable(StagedTable table) {
        return "staging_" + table.name();
    }

    /** Creates the staging table of a warehouse table, with the same columns, empty. */
    static String createStagingTable(StagedTable table) {
        return "CREATE TEMPORARY TABLE " + stagingTable(table) + " ON COMMIT DROP AS SELECT "
                + sqlNames(table.columns(), "") + " FROM public." + table.name() + " WITH NO DATA";
    }

    /** Gathers the planner's statistics of every staging table, which autovacuum never sees. */
    static String analyzeStaging() {
        return "ANALYZE " + Stream.concat(Arrays.stream(WarehouseTable.values()).map(StagedTable::rowsOf),
                WarehouseDeletions.tables().stream().map(StagedTable::deletionsOf))
                .map(MergeStatements::stagingTable).collect(Collectors.joining(", "));
    }

    /** Gathers the planner's statistics of warehouse tables in {@code public}, by name. */
    static String analyze(Collection<String> tables) {
        return "ANALYZE " + tables.stream().map(table -> "public." + table).collect(Collectors.joining(", "));
    }

    /** The rows of the tables in {@code public} named by parameter 1 (a text array), as last estimated. */
    static String estimatedRows() {
        return "SELECT coalesce(sum(greatest(reltuples, 0)), 0)::bigint FROM pg_class WHERE relnamespace = "
                + "'public'::regnamespace AND relkind = 'r' AND relname = ANY (?)";
    }

    /** Copies a fact's rows straight into its table, each with the batch that brings it (the last field). */
    static String copyStraightIn(WarehouseTable fact, CopyEncoder encoder) {
        return "COPY public." + fact.tableName() + " (" + columnList(fact) + ", " + BATCH_COLUMN + ") FROM STDIN "
                + encoder.copyOptions();
    }

    /** Removes the rows a batch (parameter 1) brought to a table. */
    static String removeBatchRows(WarehouseTable table) {
        return "DELETE FROM public." + table.tableName() + " WHERE " + BATCH_COLUMN + " = ?";
    }

    /** Copies rows into the staging table of a warehouse table. */
    static String copyIntoStaging(StagedTable table, CopyEncoder encoder) {
        return "COPY " + stagingTable(table) + " (" + sqlNames(table.columns(), "") + ") FROM STDIN "
                + encoder.copyOptions();
    }

    /** Empties the staging table of a warehouse table, when its rows of the batch are left out. */
    static String clearStaging(StagedTable table) {
        return "DELETE FROM " + stagingTable(table);
    }

    /**
     * Records the deletions a batch brings (parameter 1: its batch id) in the table that
     * records a table's deletions; a deletion recorded already by this batch is not again.
     */
    static String recordDeletions(WarehouseTable table) {
        StagedTable deletions = StagedTable.deletionsOf(table);
        String columns = sqlNames(deletions.columns(), "");
        return "INSERT INTO public." + deletions.name() + " (" + columns + ", " + BATCH_COLUMN + ") SELECT DISTINCT "
                + columns + ", ?::text FROM " + stagingTable(deletions) + " ON CONFLICT DO NOTHING";
    }

    /**
     * A dimension member a batch (parameter 1: its batch id) brings again after an earlier
     * batch saw it deleted (a row inserted again under its old key, a repair) is current
     * again: a dimension holds only its latest state, so the earlier deletion goes.
     */
    static String forgetEarlierDeletions(WarehouseTable dimension) {
        StagedTable deletions = StagedTable.deletionsOf(dimension);
        return "DELETE FROM public." + deletions.name() + " d USING " + stagingTable(dimension) + " s WHERE d."
                + dimension.keyColumn() + " = s." + dimension.keyColumn() + " AND d." + BATCH_COLUMN + " < ?";
    }

    /**
     * Dimensions hold the latest version: insert new keys, overwrite known ones, marked with the
     * batch that brought them (parameter 1); a row that a newer batch wrote is left alone, so
     * that an older batch loaded again (a replay) never rolls it back. Rows without a batch
     * (inferred members, days added whole, rows from before batches were kept) are overwritten.
     */
    static String upsert(WarehouseTable dimension) {
        String columns = columnList(dimension);
        String updates = dimension.columns().stream().skip(1)
                .map(column -> column.sqlName() + " = excluded." + column.sqlName())
                .collect(Collectors.joining(", "));
        return "INSERT INTO public." + dimension.tableName() + " AS d (" + columns + ", " + BATCH_COLUMN
                + ") SELECT DISTINCT ON (" + dimension.keyColumn() + ") " + columns + ", ?::text FROM "
                + stagingTable(dimension) + " ORDER BY " + dimension.keyColumn() + " ON CONFLICT ("
                + dimension.keyColumn() + ") DO UPDATE SET " + updates + ", " + BATCH_COLUMN + " = excluded."
                + BATCH_COLUMN + " WHERE d." + BATCH_COLUMN + " IS NULL OR d." + BATCH_COLUMN + " <= excluded."
                + BATCH_COLUMN;
    }

    /**
     * {@link #upsert} into a dimension that holds no row yet (the first batch): the same rows,
     * without a lookup per key.
     */
    static String insertIntoEmpty(WarehouseTable dimension) {
        String columns = columnList(dimension);
        return "INSERT INTO public." + dimension.tableName() + " (" + columns + ", " + BATCH_COLUMN
                + ") SELECT DISTINCT ON (" + dimension.keyColumn() + ") " + columns + ", ?::text FROM "
                + stagingTable(dimension) + " ORDER BY " + dimension.keyColumn();
    }

    /**
     * {@link #appendNewVersions} into a fact that holds no row yet (the first batch): every
     * version is new, so the same rows go in without a lookup of each one's current version.
     */
    static String appendToEmpty(WarehouseTable fact) {
        String columns = columnList(fact);
        return "INSERT INTO public." + fact.tableName() + " (" + columns + ", " + BATCH_COLUMN + ") SELECT DISTINCT "
                + columns + ", ?::text FROM " + stagingTable(fact) + " ORDER BY " + fact.keyColumn()
                + ", last_updated_date, last_updated_time";
    }

    /** Whether each warehouse table holds no row, one column per table in {@link WarehouseTable} order. */
    static String emptyTables() {
        return Arrays.stream(WarehouseTable.values())
                .map(table -> "NOT EXISTS (SELECT 1 FROM public." + table.tableName() + ")")
                .collect(Collectors.joining(", ", "SELECT ", ""));
    }

    /**
     * Facts keep history: a row for each version that is not the fact's current version as of
     * the batch (parameter 1), marked with the batch that brought it, by which the
     * {@code *_current} views order versions. The current version as of a batch is the latest
     * one brought by that batch or an earlier one, unless a deletion brought by such a batch
     * follows it. So the same version delivered twice (a retry, an overlapping window, a batch
     * loaded again) is not appended again, while a row that reverts to an earlier version's
     * exact values, or comes back after its deletion, gains a row that is current.
     */
    static String appendNewVersions(WarehouseTable fact) {
        String columns = columnList(fact);
        String key = fact.keyColumn();
        String sameVersion = "(" + prefixed(fact, "latest.") + ") IS NOT DISTINCT FROM (" + prefixed(fact, "s.") + ")";
        return "WITH batch AS (SELECT ?::text AS id) INSERT INTO public." + fact.tableName() + " (" + columns + ", "
                + BATCH_COLUMN + ") SELECT DISTINCT " + prefixed(fact, "s.") + ", batch.id FROM " + stagingTable(fact)
                + " s CROSS JOIN batch WHERE NOT EXISTS (SELECT 1 FROM (SELECT * FROM public." + fact.tableName()
                + " f WHERE f." + key + " = s." + key + " AND (f." + BATCH_COLUMN + " IS NULL OR f." + BATCH_COLUMN
                + " <= batch.id) ORDER BY f." + BATCH_COLUMN + " DESC NULLS LAST, f.last_updated_date DESC, "
                + "f.last_updated_time DESC, f." + recordColumn(fact) + " DESC LIMIT 1) latest WHERE " + sameVersion
                + " AND NOT EXISTS (SELECT 1 FROM public." + WarehouseDeletions.tableName(fact) + " d WHERE d." + key
                + " = s." + key + " AND d." + BATCH_COLUMN + " <= batch.id AND (latest." + BATCH_COLUMN
                + " IS NULL OR d." + BATCH_COLUMN + " >= latest." + BATCH_COLUMN + "))) ORDER BY " + key
                + ", last_updated_date, last_updated_time";
    }

    /** The warehouse's own key of a fact's rows, one per version, in the order they were appended. */
    static String recordColumn(WarehouseTable fact) {
        return fact.recordColumn();
    }

    /**
     * Inserts an inferred member, key only and text {@value #INFERRED}, for each dimension
     * row the staged facts refer to through one of the columns but the dimension lacks;
     * returns their keys. The staged facts are read once for all the columns.
     */
    static String inferMissingMembers(WarehouseTable fact, List<WarehouseColumn> references,
            WarehouseTable dimension, boolean copiedStraightIn) {
        String placeholders = dimension.columns().stream().skip(1)
                .map(attribute -> attribute.nullable() ? "NULL::" + attribute.type().sqlType() : "'" + INFERRED + "'")
                .collect(Collectors.joining(", "));
        return "INSERT INTO public." + dimension.tableName() + " (" + columnList(dimension) + ") SELECT r.key, "
                + placeholders + " FROM " + missingKeys(fact, references, dimension, copiedStraightIn)
                + " ON CONFLICT DO NOTHING RETURNING " + dimension.keyColumn();
    }

    /** The days the staged facts refer to through one of the columns but {@code dim_date} lacks. */
    static String missingDays(WarehouseTable fact, List<WarehouseColumn> references, boolean copiedStraightIn) {
        return "SELECT r.key FROM " + missingKeys(fact, references, WarehouseTable.DIM_DATE, copiedStraightIn);
    }

    /**
     * The distinct keys, NULL left out, the batch's facts hold in the columns and the
     * dimension lacks: a subquery {@code r (key)} over the staged facts, or over the fact's own
     * table when the batch copied them straight in (the table held no row before). Each
     * reference is looked up in the dimension first, one hash anti-join as a foreign key's
     * validation makes, and only the few it finds missing are made distinct: made distinct
     * first, the 1,583,600 payments' transactions at ×100 took 2.9 s against 0.8 s.
     */
    private static String missingKeys(WarehouseTable fact, List<WarehouseColumn> references,
            WarehouseTable dimension, boolean copiedStraightIn) {
        String values = references.stream().map(reference -> "(s." + reference.sqlName() + ")")
                .collect(Collectors.joining(", "));
        String facts = copiedStraightIn ? "public." + fact.tableName() : stagingTable(fact);
        return "(SELECT DISTINCT v.key FROM " + facts + " s CROSS JOIN LATERAL (VALUES " + values
                + ") AS v (key) WHERE v.key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public."
                + dimension.tableName() + " d WHERE d." + dimension.keyColumn() + " = v.key)) r";
    }

    /** Inserts one row of a table, its values as text parameters in column order; an existing key is left alone. */
    static String insertRow(WarehouseTable table) {
        String values = table.columns().stream().map(column -> "?::" + column.type().sqlType())
                .collect(Collectors.joining(", "));
        return "INSERT INTO public." + table.tableName() + " (" + columnList(table) + ") VALUES (" + values
                + ") ON CONFLICT DO NOTHING";
    }

    private static String columnList(WarehouseTable table) {
        return sqlNames(table.columns(), "");
    }

    private static String prefixed(WarehouseTable table, String alias) {
        return sqlNames(table.columns(), alias);
    }

    /** The columns' names, quoted, each after the alias, separated by commas. */
    private static String sqlNames(List<WarehouseColumn> columns, String alias) {
        return columns.stream().map(column -> alias + column.sqlName()).collect(Collectors.joining(", "));
    }
}
