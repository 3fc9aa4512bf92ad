package io.totesys.pipeline.catalogue;

import static io.totesys.pipeline.catalogue.ColumnType.BOOLEAN;
import static io.totesys.pipeline.catalogue.ColumnType.DATE_TEXT;
import static io.totesys.pipeline.catalogue.ColumnType.DECIMAL;
import static io.totesys.pipeline.catalogue.ColumnType.ENUM;
import static io.totesys.pipeline.catalogue.ColumnType.INTEGER;
import static io.totesys.pipeline.catalogue.ColumnType.TEXT;
import static io.totesys.pipeline.catalogue.ColumnType.TIMESTAMP;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The catalogue of ToteSys: the one place that lists the tables the pipeline extracts
 * and their columns, in the order the source declares them, with their types and whether
 * they may be NULL (docs/architecture.md#source-schema).
 * <p>
 * This enum is the allow-list: every table name that reaches SQL comes from here, never
 * from input. {@code _prisma_migrations} is not business data and is deliberately absent.
 */
public enum SourceTable {
    ADDRESS(
            column("address_id", INTEGER),
            column("address_line_1", TEXT),
            nullableColumn("address_line_2", TEXT),
            nullableColumn("district", TEXT),
            column("city", TEXT),
            column("postal_code", TEXT),
            column("country", TEXT),
            column("phone", TEXT),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP)),
    COUNTERPARTY(
            column("counterparty_id", INTEGER),
            column("counterparty_legal_name", TEXT),
            column("legal_address_id", INTEGER),
            nullableColumn("commercial_contact", TEXT),
            nullableColumn("delivery_contact", TEXT),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP)),
    CURRENCY(
            column("currency_id", INTEGER),
            column("currency_code", TEXT),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP)),
    DEPARTMENT(
            column("department_id", INTEGER),
            column("department_name", TEXT),
            nullableColumn("location", TEXT),
            nullableColumn("manager", TEXT),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP)),
    DESIGN(
            column("design_id", INTEGER),
            column("created_at", TIMESTAMP),
            column("design_name", TEXT),
            column("file_location", TEXT),
            column("file_name", TEXT),
            column("last_updated", TIMESTAMP)),
    PAYMENT_TYPE(
            column("payment_type_id", INTEGER),
            column("payment_type_name", ENUM),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP)),
    STAFF(
            column("staff_id", INTEGER),
            column("first_name", TEXT),
            column("last_name", TEXT),
            column("department_id", INTEGER),
            column("email_address", TEXT),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP)),
    SALES_ORDER(
            column("sales_order_id", INTEGER),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP),
            column("design_id", INTEGER),
            column("staff_id", INTEGER),
            column("counterparty_id", INTEGER),
            column("units_sold", INTEGER),
            column("unit_price", DECIMAL),
            column("currency_id", INTEGER),
            column("agreed_delivery_date", DATE_TEXT),
            column("agreed_payment_date", DATE_TEXT),
            column("agreed_delivery_location_id", INTEGER)),
    PURCHASE_ORDER(
            column("purchase_order_id", INTEGER),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP),
            column("staff_id", INTEGER),
            column("counterparty_id", INTEGER),
            column("item_code", TEXT),
            column("item_quantity", INTEGER),
            column("item_unit_price", DECIMAL),
            column("currency_id", INTEGER),
            column("agreed_delivery_date", DATE_TEXT),
            column("agreed_payment_date", DATE_TEXT),
            column("agreed_delivery_location_id", INTEGER)),
    TRANSACTION(
            column("transaction_id", INTEGER),
            column("transaction_type", ENUM),
            nullableColumn("sales_order_id", INTEGER),
            nullableColumn("purchase_order_id", INTEGER),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP)),
    PAYMENT(
            column("payment_id", INTEGER),
            column("created_at", TIMESTAMP),
            column("last_updated", TIMESTAMP),
            column("transaction_id", INTEGER),
            column("counterparty_id", INTEGER),
            column("payment_amount", DECIMAL),
            column("currency_id", INTEGER),
            column("payment_type_id", INTEGER),
            column("paid", BOOLEAN),
            column("payment_date", DATE_TEXT),
            column("company_ac_number", INTEGER),
            column("counterparty_ac_number", INTEGER));

    /** The change stamp every table carries; it orders extracted rows (docs/architecture.md#source-schema). */
    public static final String CHANGE_COLUMN = "last_updated";

    /**
     * The schema ToteSys keeps its tables in (docs/architecture.md#source-schema). Every statement names it, so that
     * no {@code search_path} a DBA sets on the role or the database makes another schema's table
     * of the same name the one that is read.
     */
    public static final String SCHEMA = "public";

    private final List<SourceColumn> columns;
    private final Map<String, Integer> positions = new HashMap<>();

    SourceTable(SourceColumn... columns) {
        this.columns = List.of(columns);
        for (int index = 0; index < columns.length; index++) {
            positions.put(columns[index].name(), index);
        }
    }

    private static SourceColumn column(String name, ColumnType type) {
        return new SourceColumn(name, type, false);
    }

    private static SourceColumn nullableColumn(String name, ColumnType type) {
        return new SourceColumn(name, type, true);
    }

    /** The table's name in ToteSys and in the lake. */
    public String tableName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The table's name with its schema, as every statement on ToteSys names it: {@code public.sales_order}. */
    public String qualifiedName() {
        return SCHEMA + "." + tableName();
    }

    /** The columns in source order; the first is the primary key. */
    public List<SourceColumn> columns() {
        return columns;
    }

    public List<String> columnNames() {
        return columns.stream().map(SourceColumn::name).toList();
    }

    /** The position of a column, for reading rows; an unknown name is a programming error. */
    public int columnIndex(String column) {
        Integer index = positions.get(column);
        if (index == null) {
            throw new IllegalArgumentException(tableName() + " has no column " + column);
        }
        return index;
    }

    public String primaryKey() {
        return columns.get(0).name();
    }

    /** The names of the catalogue's tables. */
    public static List<String> tableNames() {
        return Arrays.stream(values()).map(SourceTable::tableName).toList();
    }

    /** The catalogue entry for a lake or source table name, if the catalogue has one. */
    public static Optional<SourceTable> byTableName(String tableName) {
        return Arrays.stream(values()).filter(table -> table.tableName().equals(tableName)).findFirst();
    }
}
