package io.totesys.pipeline.starschema;

import static io.totesys.pipeline.starschema.WarehouseColumnType.BOOLEAN;
import static io.totesys.pipeline.starschema.WarehouseColumnType.DATE;
import static io.totesys.pipeline.starschema.WarehouseColumnType.DECIMAL;
import static io.totesys.pipeline.starschema.WarehouseColumnType.INTEGER;
import static io.totesys.pipeline.starschema.WarehouseColumnType.TEXT;
import static io.totesys.pipeline.starschema.WarehouseColumnType.TIME;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.apache.avro.Schema;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.ManifestCatalogue;

/**
 * The star schema (docs/architecture.md#star-schema): the one place that lists the warehouse tables, their
 * columns and the dimensions fact columns refer to, in the order the transform writes them to Parquet and the warehouse
 * declares them. The facts' surrogate keys ({@code sales_record_id}, ...) are the
 * warehouse's own and not part of the Parquet files.
 * <p>
 * Operators may add columns a source table carries to the table its rows go to, without a
 * release ({@link AddedColumns}, {@code ETL_STAR_SCHEMA_ADDED_COLUMNS}): they follow the
 * table's own, nullable.
 * <p>
 * The order of the constants is the order a batch is written and loaded in: dimensions
 * before the facts that reference them, {@code dim_date} once the facts have said which
 * dates they reference.
 */
public enum WarehouseTable {
    DIM_LOCATION(
            column("location_id", INTEGER),
            column("address_line_1", TEXT),
            nullableColumn("address_line_2", TEXT),
            nullableColumn("district", TEXT),
            column("city", TEXT),
            column("postal_code", TEXT),
            column("country", TEXT),
            column("phone", TEXT)),
    DIM_COUNTERPARTY(
            column("counterparty_id", INTEGER),
            column("counterparty_legal_name", TEXT),
            column("counterparty_legal_address_line_1", TEXT),
            nullableColumn("counterparty_legal_address_line_2", TEXT),
            nullableColumn("counterparty_legal_district", TEXT),
            column("counterparty_legal_city", TEXT),
            column("counterparty_legal_postal_code", TEXT),
            column("counterparty_legal_country", TEXT),
            column("counterparty_legal_phone_number", TEXT)),
    DIM_CURRENCY(
            column("currency_id", INTEGER),
            column("currency_code", TEXT),
            column("currency_name", TEXT)),
    DIM_DESIGN(
            column("design_id", INTEGER),
            column("design_name", TEXT),
            column("file_location", TEXT),
            column("file_name", TEXT)),
    DIM_PAYMENT_TYPE(
            column("payment_type_id", INTEGER),
            column("payment_type_name", TEXT)),
    DIM_STAFF(
            column("staff_id", INTEGER),
            column("first_name", TEXT),
            column("last_name", TEXT),
            column("department_name", TEXT),
            nullableColumn("location", TEXT),
            column("email_address", TEXT)),
    DIM_TRANSACTION(
            column("transaction_id", INTEGER),
            column("transaction_type", TEXT),
            nullableColumn("sales_order_id", INTEGER),
            nullableColumn("purchase_order_id", INTEGER)),
    FACT_SALES_ORDER(
            column("sales_order_id", INTEGER),
            reference("created_date", DATE, "dim_date"),
            column("created_time", TIME),
            reference("last_updated_date", DATE, "dim_date"),
            column("last_updated_time", TIME),
            reference("sales_staff_id", INTEGER, "dim_staff"),
            reference("counterparty_id", INTEGER, "dim_counterparty"),
            column("units_sold", INTEGER),
            column("unit_price", DECIMAL),
            reference("currency_id", INTEGER, "dim_currency"),
            reference("design_id", INTEGER, "dim_design"),
            reference("agreed_payment_date", DATE, "dim_date"),
            reference("agreed_delivery_date", DATE, "dim_date"),
            reference("agreed_delivery_location_id", INTEGER, "dim_location")),
    FACT_PURCHASE_ORDER(
            column("purchase_order_id", INTEGER),
            reference("created_date", DATE, "dim_date"),
            column("created_time", TIME),
            reference("last_updated_date", DATE, "dim_date"),
            column("last_updated_time", TIME),
            reference("staff_id", INTEGER, "dim_staff"),
            reference("counterparty_id", INTEGER, "dim_counterparty"),
            column("item_code", TEXT),
            column("item_quantity", INTEGER),
            column("item_unit_price", DECIMAL),
            reference("currency_id", INTEGER, "dim_currency"),
            reference("agreed_delivery_date", DATE, "dim_date"),
            reference("agreed_payment_date", DATE, "dim_date"),
            reference("agreed_delivery_location_id", INTEGER, "dim_location")),
    FACT_PAYMENT(
            column("payment_id", INTEGER),
            reference("created_date", DATE, "dim_date"),
            column("created_time", TIME),
            reference("last_updated_date", DATE, "dim_date"),
            column("last_updated_time", TIME),
            reference("transaction_id", INTEGER, "dim_transaction"),
            reference("counterparty_id", INTEGER, "dim_counterparty"),
            column("payment_amount", DECIMAL),
            reference("currency_id", INTEGER, "dim_currency"),
            reference("payment_type_id", INTEGER, "dim_payment_type"),
            column("paid", BOOLEAN),
            reference("payment_date", DATE, "dim_date")),
    DIM_DATE(
            column("date_id", DATE),
            column("year", INTEGER),
            column("month", INTEGER),
            column("day", INTEGER),
            column("day_of_week", INTEGER),
            column("day_name", TEXT),
            column("month_name", TEXT),
            column("quarter", INTEGER));

    /** The column in which the warehouse marks each row of every star schema table with the batch that wrote it. */
    public static final String BATCH_COLUMN = "batch_id";

    /** The columns operators added, set as the service starts ({@link #configure}); none until then. */
    private static volatile AddedColumns added = AddedColumns.NONE;

    private final List<WarehouseColumn> specColumns;
    private final TableLayout specLayout;

    WarehouseTable(WarehouseColumn... columns) {
        this.specColumns = List.of(columns);
        this.specLayout = TableLayout.of(tableName(), specColumns, List.of());
    }

    /**
     * Sets the columns operators added to the star schema ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS}):
     * from then on {@link #columns()}, {@link #columnNames()} and {@link #avroSchema()} include them.
     */
    public static void configure(AddedColumns columns) {
        added = columns;
    }

    /** The columns an operator added to this table, in the order the setting names them. */
    public List<AddedColumn> addedColumns() {
        return added.of(this);
    }

    /** The table's own columns (docs/architecture.md#star-schema), without any an operator added. */
    List<WarehouseColumn> specColumns() {
        return specColumns;
    }

    private TableLayout layout() {
        return added.layout(this, specLayout);
    }

    private static WarehouseColumn column(String name, WarehouseColumnType type) {
        return new WarehouseColumn(name, type, false, null);
    }

    private static WarehouseColumn nullableColumn(String name, WarehouseColumnType type) {
        return new WarehouseColumn(name, type, true, null);
    }

    /** A fact column that refers to a dimension row, or to a day of {@code dim_date}. */
    private static WarehouseColumn reference(String name, WarehouseColumnType type, String dimension) {
        return new WarehouseColumn(name, type, false, dimension);
    }

    /** The table's name in the warehouse and in the lake. */
    public String tableName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The table's columns: its own, then any an operator added ({@link #configure}). */
    public List<WarehouseColumn> columns() {
        return layout().columns();
    }

    /** The Avro schema the table's Parquet files are written with. */
    public Schema avroSchema() {
        return layout().avroSchema();
    }

    public List<String> columnNames() {
        return layout().columnNames();
    }

    /** The dimension's key, or the fact's source id: the first column. */
    public String keyColumn() {
        return specColumns.get(0).name();
    }

    /**
     * The columns whose values seldom repeat within a Parquet part: the table's key and its
     * times of day (milliseconds since midnight). Parquet writes them without a dictionary: one
     * would hold nearly every value, cost a hash lookup per value (a sixth of the transform's
     * time at ×100) and be dropped for plain values at the end of the page anyway.
     */
    public List<String> columnsOfDistinctValues() {
        return specColumns.stream()
                .filter(column -> column.name().equals(keyColumn()) || column.type() == WarehouseColumnType.TIME)
                .map(WarehouseColumn::name)
                .toList();
    }

    /** The names of the star schema's tables. */
    public static List<String> tableNames() {
        return Arrays.stream(values()).map(WarehouseTable::tableName).toList();
    }

    /** What Parquet manifests may name: the star schema's tables, in numbered Parquet parts. */
    public static ManifestCatalogue manifestCatalogue() {
        return new ManifestCatalogue("the star schema", Set.copyOf(tableNames()), "parquet", true);
    }

    /**
     * The layouts a Parquet manifest records, one per table its objects hold: the columns,
     * added ones included, with their warehouse types, so that a reader of the lake knows
     * which columns each batch's objects have.
     */
    public static List<BatchManifest.TableSchema> manifestSchemas(List<BatchManifest.Entry> objects) {
        return objects.stream().map(BatchManifest.Entry::table).distinct().flatMap(name -> byTableName(name).stream())
                .map(table -> new BatchManifest.TableSchema(table.tableName(), table.columns().stream()
                        .map(column -> new BatchManifest.Column(column.name(), column.type().sqlType())).toList()))
                .toList();
    }

    /** The warehouse table of a lake table name, if the star schema has one. */
    public static Optional<WarehouseTable> byTableName(String tableName) {
        return Arrays.stream(values()).filter(table -> table.tableName().equals(tableName)).findFirst();
    }

    /**
     * The columns the warehouse keeps itself in this table, beside those the Parquet objects
     * bring: the batch that wrote each row, and a fact's own key of each version, in the order
     * the load appends them.
     */
    public List<String> warehouseOwnColumns() {
        return isFact() ? List.of(recordColumn(), BATCH_COLUMN) : List.of(BATCH_COLUMN);
    }

    /** A fact's own key of its rows, one per version, in the order they were appended. */
    public String recordColumn() {
        return switch (this) {
            case FACT_SALES_ORDER -> "sales_record_id";
            case FACT_PURCHASE_ORDER -> "purchase_record_id";
            case FACT_PAYMENT -> "payment_record_id";
            default -> throw new IllegalArgumentException(tableName() + " is not a fact");
        };
    }

    public boolean isFact() {
        return name().startsWith("FACT_");
    }
}
