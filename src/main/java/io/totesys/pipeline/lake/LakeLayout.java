package io.totesys.pipeline.lake;

import java.util.regex.Pattern;

/**
 * The key layout of the lake (docs/architecture.md#lake-layout), the one place that knows it.
 * <p>
 * A stage's new objects land under {@code input/}; once the next stage has consumed them
 * they move to {@code processed/} under the same relative key. Relative keys carry the
 * table, a Hive-style date partition and the batch id:
 * <pre>
 *   sales_order/date=2026-11-26/20261126T001635123Z-9f3a1c.csv
 *   fact_sales_order/date=2026-11-26/20261126T001635123Z-9f3a1c-part-0001.parquet
 *   _manifests/date=2026-11-26/20261126T001635123Z-9f3a1c.json
 *   _deletions/sales_order/date=2026-11-26/20261126T001635123Z-9f3a1c.csv
 *   _deletions/fact_sales_order/date=2026-11-26/20261126T001635123Z-9f3a1c-part-0001.parquet
 * </pre>
 * A table's deletions object holds the keys of its rows deleted since the previous batch:
 * in the ingest bucket a source table's, as CSV ({@code <primary key>,deleted_seen_at}); in
 * the processed bucket the warehouse table's they delete, as Parquet ({@code <key column>,
 * deleted_seen_date, deleted_seen_time}). Manifests list them under {@code deletions}. Their
 * prefix starts with an underscore, as Hive, Spark and Athena skip such paths when they read
 * a table's folder.
 * Objects a stage cannot read move to {@code quarantine/} instead, beside a report
 * ({@code ...9f3a1c.error.json}) that says why.
 * <p>
 * The star schema's data files are the exception: they are the files of the processed
 * bucket's Iceberg tables (docs/architecture.md#iceberg-tables), written once where their
 * table keeps them and never moved, each file name the batch id, the transform's attempt and
 * the part:
 * <pre>
 *   tables/star_schema/fact_sales_order/data/batch_date=2026-11-26/20261126T001635123Z-9f3a1c-5be0d2-part-0001.parquet
 *   tables/star_schema/fact_sales_order/metadata/...   (Iceberg's own)
 * </pre>
 * A warehouse table's deletions are a table of their own, {@code <table>_deletion}, written the
 * same way ({@code tables/star_schema/fact_sales_order_deletion/data/...}). A manifest names
 * them by their whole key; batches written before the deletions were tables name theirs
 * under {@code _deletions/}.
 */
public final class LakeLayout {

    public static final String INPUT = "input/";
    public static final String PROCESSED = "processed/";
    public static final String QUARANTINE = "quarantine/";
    public static final String MANIFESTS = "_manifests";
    public static final String DELETIONS = "_deletions";
    /** Where the Iceberg tables are in the processed bucket: the JDBC catalog's warehouse location. */
    public static final String TABLES = "tables";
    /** The Iceberg namespace of the star schema's tables. */
    public static final String STAR_SCHEMA = "star_schema";
    /** The name of the partition folder a table's data files are in, and of the table's partition column. */
    public static final String BATCH_DATE = "batch_date";
    /** What the name of a table of deletions ends with. */
    private static final String DELETION_TABLE_SUFFIX = "_deletion";
    /** What follows the batch id in the name of a part of a table: the attempt and the part's number. */
    private static final Pattern TABLE_PART_NAME = Pattern.compile("[0-9a-f]{6}-part-[0-9]{4,9}\\.parquet");
    /** The length of a batch id: {@code 20261126T001635123Z-9f3a1c}. */
    private static final int BATCH_ID_LENGTH = 26;

    private LakeLayout() {
    }

    /** The relative key of a table's data object in a batch. */
    public static String dataKey(String table, BatchId batch, String extension) {
        return objectKey(table, batch, batch + "." + extension);
    }

    /** The relative key of the object that holds a table's deletions in a batch. */
    public static String deletionsKey(String table, BatchId batch) {
        return dataKey(DELETIONS + "/" + table, batch, "csv");
    }

    /**
     * Whether a relative key is a deletions object's: under {@code _deletions/}, or a data file
     * of a deletions table.
     */
    public static boolean isDeletions(String relativeKey) {
        if (relativeKey.startsWith(DELETIONS + "/")) {
            return true;
        }
        String tables = TABLES + "/" + STAR_SCHEMA + "/";
        return relativeKey.startsWith(tables)
                && relativeKey.substring(tables.length()).split("/", 2)[0].endsWith(DELETION_TABLE_SUFFIX);
    }

    /** The name of the table that holds a warehouse table's deletions: {@code <table>_deletion}. */
    public static String deletionsTable(String table) {
        return table + DELETION_TABLE_SUFFIX;
    }

    /** The relative key of one of several data objects a table has in a batch, numbered from 1. */
    public static String partKey(String table, BatchId batch, int part, String extension) {
        return objectKey(table, batch, batch + "-part-%04d.%s".formatted(part, extension));
    }

    private static String objectKey(String table, BatchId batch, String fileName) {
        return table + "/date=" + batch.date() + "/" + fileName;
    }

    /** The key of a star schema table's Iceberg location in the processed bucket. */
    public static String tableLocation(String table) {
        return TABLES + "/" + STAR_SCHEMA + "/" + table;
    }

    /**
     * The key of one of a star schema table's data files of a batch: a part the transform
     * wrote ({@code kind} {@code part}) or one it wrote again to carry over a dimension's rows
     * a batch did not replace ({@code carry}), numbered from 1, in the attempt that wrote it.
     */
    public static String tableFileKey(String table, BatchId batch, String attempt, String kind, int number) {
        return tableLocation(table) + "/data/" + BATCH_DATE + "=" + batch.date() + "/" + batch + "-" + attempt + "-"
                + kind + "-%04d.parquet".formatted(number);
    }

    /**
     * Whether a key is one of the parts a transform wrote of a table in a batch, in any
     * attempt: {@code tableFileKey(table, batch, <six hex digits>, "part", <number>)}.
     */
    public static boolean isTablePart(String key, String table, BatchId batch) {
        String folder = tableLocation(table) + "/data/" + BATCH_DATE + "=" + batch.date() + "/" + batch + "-";
        return key.startsWith(folder) && TABLE_PART_NAME.matcher(key.substring(folder.length())).matches();
    }

    /** Whether a key is an Iceberg table's data file, which stays where it is. */
    public static boolean isTableFile(String key) {
        return key.startsWith(TABLES + "/");
    }

    /**
     * The key of the object a manifest entry names: a table's data file where it is, any other
     * object under {@code input/}.
     */
    public static String located(String key) {
        return isTableFile(key) ? key : input(key);
    }

    /** The relative key of the report that says why an object was quarantined. */
    public static String quarantineReportKey(String relativeKey) {
        return relativeKey.substring(0, relativeKey.lastIndexOf('.')) + ".error.json";
    }

    /**
     * The relative key of the report on one row left out of an object whose other rows went on
     * ({@code <batch>.row-<key>.error.json}), beside the object's own report's place.
     */
    public static String rowQuarantineReportKey(String relativeKey, int rowKey) {
        return relativeKey.substring(0, relativeKey.lastIndexOf('.')) + ".row-" + rowKey + ".error.json";
    }

    /**
     * The batch id a relative key's file name begins with ({@code ...9f3a1c-part-0001.parquet}
     * gives {@code 20261126T001635123Z-9f3a1c}), or the whole file name when it begins with none.
     */
    public static String batchIdOf(String relativeKey) {
        String fileName = relativeKey.substring(relativeKey.lastIndexOf('/') + 1);
        return fileName.length() >= BATCH_ID_LENGTH ? fileName.substring(0, BATCH_ID_LENGTH) : fileName;
    }

    /** The relative key of a batch's manifest. */
    public static String manifestKey(BatchId batch) {
        return dataKey(MANIFESTS, batch, "json");
    }

    public static String input(String relativeKey) {
        return INPUT + relativeKey;
    }

    public static String processed(String relativeKey) {
        return PROCESSED + relativeKey;
    }

    public static String quarantine(String relativeKey) {
        return QUARANTINE + relativeKey;
    }

    /**
     * The relative key of a key under {@code input/}, {@code processed/} or
     * {@code quarantine/}; a table's data file is its own.
     */
    public static String relative(String key) {
        return isTableFile(key) ? key : key.substring(key.indexOf('/') + 1);
    }
}
