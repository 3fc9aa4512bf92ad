package io.totesys.pipeline.source;

import static io.totesys.pipeline.source.ColumnType.BOOLEAN;
import static io.totesys.pipeline.source.ColumnType.DATE_TEXT;
import static io.totesys.pipeline.source.ColumnType.DECIMAL;
import static io.totesys.pipeline.source.ColumnType.ENUM;
import static io.totesys.pipeline.source.ColumnType.INTEGER;
import static io.totesys.pipeline.source.ColumnType.TEXT;
import static io.totesys.pipeline.source.ColumnType.TIMESTAMP;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.totesys.pipeline.lake.ManifestCatalogue;

/**
 * The catalogue of ToteSys: the one place that lists the tables the pipeline extracts
 * and their columns, in the order the source declares them, with their types and whether
 * they may be NULL (SPEC section 1).
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

    /** The column every table carries and incremental extraction is keyed on (SPEC section 4). */
    public static final String CHANGE_COLUMN = "last_updated";

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

    /** What extract manifests may name: the catalogue's tables, one CSV object each. */
    public static ManifestCatalogue manifestCatalogue() {
        return new ManifestCatalogue("the ToteSys catalogue " + tableNames(), Set.copyOf(tableNames()), "csv", false);
    }

    /** The catalogue entry for a lake or source table name, if the catalogue has one. */
    public static Optional<SourceTable> byTableName(String tableName) {
        return Arrays.stream(values()).filter(table -> table.tableName().equals(tableName)).findFirst();
    }

    /**
     * The 64-bit id of the transaction that wrote a row version, from its 32-bit
     * {@code xmin} (readable with plain SELECT): the latest id below the snapshot's
     * {@code xmax} with those low bits ({@link TransactionSnapshot#widen}). Parameters: the
     * snapshot's {@code xmax}, and its low 32 bits.
     */
    private static final String ROW_TRANSACTION = "(?::bigint - mod(?::bigint - xmin::text::bigint + 4294967296, 4294967296))";

    /**
     * Cheap first test that a row version may be new: its {@code xmin} is no older than the
     * horizon's (an integer comparison, no conversion), so that only those few go through
     * {@code pg_visible_in_snapshot}. Parameter: {@code age()} of the horizon's xmin.
     */
    private static final String RECENT_ENOUGH = "age(xmin) BETWEEN 0 AND ?";

    /**
     * The checksum of a row as the lake holds it: the MD5 of the record of its catalogue
     * columns' lake text ({@link SourceSchema#catalogueText}), as a {@code uuid}. The extract
     * reads it with each row and reconciliation with each key, from the same expression in
     * ToteSys, so that both agree byte for byte; a column ToteSys adds leaves it as it was.
     */
    String checksum() {
        return columns.stream().map(SourceSchema::catalogueText)
                .collect(Collectors.joining(", ", "md5(ROW(", ")::text)::uuid"));
    }

    /**
     * The query that reads the rows of this table whose keys are in a set, its columns
     * rendered by {@code selectList}, as {@link #changedRowsQuery} does. Parameters:
     * {@link #ROW_TRANSACTION}'s two, the keys as an {@code integer[]}.
     */
    String rowsWithKeysQuery(String selectList) {
        StringBuilder sql = new StringBuilder("SELECT ").append(selectList).append(", ");
        return sql.append(ROW_TRANSACTION).append(", ").append(checksum()).append(" FROM ").append(tableName())
                .append(" WHERE ").append(primaryKey()).append(" = ANY (?) ORDER BY ").append(CHANGE_COLUMN)
                .append(", ").append(primaryKey()).toString();
    }

    /**
     * The query reconciliation streams a key range of this table with: each key, its row's
     * {@link #checksum()} and whether its version was written by a transaction the read
     * horizon does not hold yet (the next batch reads it), in key order. Parameters:
     * {@link #RECENT_ENOUGH}'s, {@link #ROW_TRANSACTION}'s two, the horizon, the first key and
     * the key after the range.
     */
    String checksumsQuery() {
        return "SELECT " + primaryKey() + ", " + checksum() + ", (" + RECENT_ENOUGH
                + " AND NOT pg_visible_in_snapshot(("
                + ROW_TRANSACTION + ")::text::xid8, ?::pg_snapshot)) FROM " + tableName() + " WHERE " + primaryKey()
                + " >= ? AND " + primaryKey() + " < ? ORDER BY " + primaryKey();
    }

    /** The query that reads the table's greatest key, or NULL when it is empty. */
    String greatestKeyQuery() {
        return "SELECT max(" + primaryKey() + ") FROM " + tableName();
    }

    /**
     * The query that reads this table's row versions in a window, its columns rendered by
     * {@code selectList} ({@link SourceSchema}), each with the id of the transaction that
     * wrote it and the row's {@link #checksum()} as the last columns, ordered by
     * {@code last_updated} and primary key. Parameters: {@link #ROW_TRANSACTION}'s two, then
     * for {@link ChangeWindow.Kind#SINCE_HORIZON} {@link #RECENT_ENOUGH}'s, ROW_TRANSACTION's
     * two again and the horizon, for {@link ChangeWindow.Kind#SINCE_WATERMARK} the watermark.
     */
    String changedRowsQuery(ChangeWindow.Kind kind, String selectList) {
        StringBuilder sql = new StringBuilder("SELECT ").append(selectList).append(", ");
        sql.append(ROW_TRANSACTION).append(", ").append(checksum()).append(" FROM ").append(tableName());
        switch (kind) {
            case WHOLE_TABLE -> {
            }
            case SINCE_HORIZON -> sql.append(" WHERE ").append(RECENT_ENOUGH)
                    .append(" AND NOT pg_visible_in_snapshot((").append(ROW_TRANSACTION)
                    .append(")::text::xid8, ?::pg_snapshot)");
            case SINCE_WATERMARK -> sql.append(" WHERE ").append(CHANGE_COLUMN).append(" >= ?");
        }
        return sql.append(" ORDER BY ").append(CHANGE_COLUMN).append(", ").append(primaryKey()).toString();
    }

    /**
     * The ids of the transactions that wrote this table's row versions no older than a
     * transaction. Parameters: {@link #ROW_TRANSACTION}'s two, {@link #RECENT_ENOUGH}'s.
     */
    String recentTransactionsQuery() {
        return "SELECT DISTINCT " + ROW_TRANSACTION + " FROM " + tableName() + " WHERE " + RECENT_ENOUGH;
    }

    /** The query that counts this table's rows. */
    String countQuery() {
        return "SELECT count(*) FROM " + tableName();
    }

    /** The query that reads every key of this table. */
    String keysQuery() {
        return "SELECT " + primaryKey() + " FROM " + tableName();
    }
}
