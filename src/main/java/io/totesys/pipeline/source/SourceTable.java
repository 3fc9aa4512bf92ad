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
    private static final String ROW_TRANSACTION = rowTransaction("?", "?");

    /**
     * Cheap first test that a row version may be new: its {@code xmin} is no older than the
     * horizon's (an integer comparison, no conversion), so that only those few go through
     * {@code pg_visible_in_snapshot}. Parameter: {@code age()} of the horizon's xmin.
     */
    private static final String RECENT_ENOUGH = recentEnough("?");

    /** {@link #ROW_TRANSACTION} with its parameters given: SQL text or {@code ?}. */
    private static String rowTransaction(String xmax, String xmaxLowBits) {
        return "(" + xmax + "::bigint - mod(" + xmaxLowBits
                + "::bigint - xmin::text::bigint + 4294967296, 4294967296))";
    }

    /** {@link #RECENT_ENOUGH} with its parameter given: SQL text or {@code ?}. */
    private static String recentEnough(String age) {
        return "age(xmin) BETWEEN 0 AND " + age;
    }

    /**
     * The checksum of a row as the lake holds it: the MD5 of the record of its catalogue
     * columns' lake text ({@link SourceSchema#catalogueText}), as a {@code uuid}. The extract
     * reads it with each row (over the same texts, rendered once: {@link #changedRowsCopy}) and
     * reconciliation with each key, computed by ToteSys, so that both agree byte for byte; a
     * column ToteSys adds leaves it as it was.
     */
    String checksum() {
        return columns.stream().map(SourceSchema::catalogueText)
                .collect(Collectors.joining(", ", "md5(ROW(", ")::text)::uuid"));
    }

    /**
     * The {@code COPY} that writes the rows of this table whose keys are in a set as
     * {@link #changedRowsCopy} does: what a repair batch reads again. {@code COPY} takes no
     * parameters: every value is written into the statement, from numbers the pipeline holds.
     */
    String rowsWithKeysCopy(SourceSchema schema, long xmax, int[] keys) {
        StringBuilder array = new StringBuilder("'{");
        for (int index = 0; index < keys.length; index++) {
            array.append(index == 0 ? "" : ",").append(keys[index]);
        }
        return copy(schema, xmax, " WHERE " + primaryKey() + " = ANY (" + array + "}'::integer[])");
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
     * The {@code COPY} that writes this table's row versions in a window as CSV, every value
     * quoted but NULL: first the row's key, the id of the transaction that wrote it and its
     * {@link #checksum()}, then its columns rendered by {@code selectList} ({@link SourceSchema}),
     * ordered by {@code last_updated} and primary key. {@code COPY} takes no parameters: the
     * snapshot's {@code xmax} ({@link #ROW_TRANSACTION}), for {@link ChangeWindow.Kind#SINCE_HORIZON}
     * the age of the horizon's xmin ({@link #RECENT_ENOUGH}) and the horizon, and for
     * {@link ChangeWindow.Kind#SINCE_WATERMARK} the watermark are written into the statement,
     * from values the pipeline holds as numbers and times, never text from input.
     */
    String changedRowsCopy(SourceSchema schema, long xmax, ChangeWindow window, int horizonAge) {
        String where = switch (window.kind()) {
            case WHOLE_TABLE -> "";
            case SINCE_HORIZON -> " WHERE " + recentEnough(Integer.toString(horizonAge))
                    + " AND NOT pg_visible_in_snapshot((" + rowTransaction(xmax) + ")::text::xid8, '"
                    + window.since() + "'::pg_snapshot)";
            case SINCE_WATERMARK -> " WHERE " + CHANGE_COLUMN + " >= '" + window.from() + "'::timestamp";
        };
        return copy(schema, xmax, where);
    }

    /**
     * The {@code COPY} of the rows {@code where} selects: a subquery renders each lake column
     * once, and the {@link #checksum()} is computed over those texts (a catalogue column whose
     * lake text is not its catalogue text, a timestamp kept with six digits, is rendered again
     * for it), so that no value is rendered twice; the subquery's {@code ORDER BY} keeps it
     * from being merged into the outer query, which would render them twice again.
     */
    private String copy(SourceSchema schema, long xmax, String where) {
        List<SourceSchema.Column> lake = schema.lakeColumns();
        StringBuilder inner = new StringBuilder("SELECT ").append(primaryKey()).append(" AS row_key, ")
                .append(rowTransaction(xmax)).append(" AS row_transaction");
        StringBuilder outer = new StringBuilder("SELECT row_key, row_transaction, md5(ROW(");
        StringBuilder values = new StringBuilder();
        for (int index = 0; index < lake.size(); index++) {
            inner.append(", ").append(SourceSchema.asText(lake.get(index))).append(" AS lake_").append(index);
            values.append(", lake_").append(index);
        }
        List<String> names = schema.lakeColumnNames();
        for (int index = 0; index < columns.size(); index++) {
            SourceColumn column = columns.get(index);
            int position = names.indexOf(column.name());
            outer.append(index == 0 ? "" : ", ");
            if (position >= 0 && SourceSchema.rendersCatalogueText(lake.get(position), column)) {
                outer.append("lake_").append(position);
            } else {
                inner.append(", ").append(SourceSchema.catalogueText(column)).append(" AS catalogue_").append(index);
                outer.append("catalogue_").append(index);
            }
        }
        inner.append(" FROM ").append(tableName()).append(where).append(" ORDER BY ").append(tableName()).append('.')
                .append(CHANGE_COLUMN).append(", ").append(tableName()).append('.').append(primaryKey());
        return "COPY (" + outer + ")::text)::uuid" + values + " FROM (" + inner
                + ") lake) TO STDOUT (FORMAT csv, FORCE_QUOTE *)";
    }

    private static String rowTransaction(long xmax) {
        return rowTransaction(Long.toString(xmax), Long.toString(xmax % TransactionSnapshot.XID_SPACE));
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
