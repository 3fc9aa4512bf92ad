package io.totesys.pipeline.currentviews;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.source.SourceSchema;
import io.totesys.pipeline.starschema.StarSchemaRecords;
import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * One warehouse table's current view ({@code dim_staff_current}, {@code fact_payment_current},
 * ...), as the comparison with ToteSys reads it from either side: per key, the MD5 of the
 * view's row as text, computed by the warehouse from the view, and by ToteSys from the rows the
 * derivation rules build it from (docs/architecture.md#derivation-rules), each column rendered
 * by PostgreSQL's text output of the warehouse's type, so that equal rows hash alike on two
 * servers. Table and column names come from the catalogues only.
 * <p>
 * The view's key is its ToteSys table's key; a dimension joined to a second ToteSys table
 * ({@code dim_staff} to {@code department}, {@code dim_counterparty} to its legal address)
 * also names the key of the row it joins, so that a row whose partner is not settled in the
 * lake is left to the batch that brings it.
 */
final class CurrentView {

    /** The views compared: every table's but {@code dim_date}'s, which has none. */
    static final List<CurrentView> ALL = Arrays.stream(WarehouseTable.values())
            .filter(table -> table != WarehouseTable.DIM_DATE).map(CurrentView::of).toList();

    private static final String SOURCE = "s";
    private static final String PARTNER = "p";
    private static final Map<String, String> COUNTERPARTY_ADDRESS = Map.of(
            "counterparty_legal_address_line_1", "address_line_1",
            "counterparty_legal_address_line_2", "address_line_2",
            "counterparty_legal_district", "district",
            "counterparty_legal_city", "city",
            "counterparty_legal_postal_code", "postal_code",
            "counterparty_legal_country", "country",
            "counterparty_legal_phone_number", "phone");
    private static final String CURRENCY_NAMES = currencyNames();

    private final WarehouseTable table;
    private final SourceTable source;
    private final SourceTable partner;
    private final String partnerJoin;

    private CurrentView(WarehouseTable table, SourceTable source, SourceTable partner, String partnerJoin) {
        this.table = table;
        this.source = source;
        this.partner = partner;
        this.partnerJoin = partnerJoin;
    }

    static CurrentView of(WarehouseTable table) {
        return switch (table) {
            case DIM_LOCATION -> new CurrentView(table, SourceTable.ADDRESS, null, null);
            case DIM_COUNTERPARTY -> new CurrentView(table, SourceTable.COUNTERPARTY, SourceTable.ADDRESS,
                    "legal_address_id");
            case DIM_CURRENCY -> new CurrentView(table, SourceTable.CURRENCY, null, null);
            case DIM_DESIGN -> new CurrentView(table, SourceTable.DESIGN, null, null);
            case DIM_PAYMENT_TYPE -> new CurrentView(table, SourceTable.PAYMENT_TYPE, null, null);
            case DIM_STAFF -> new CurrentView(table, SourceTable.STAFF, SourceTable.DEPARTMENT, "department_id");
            case DIM_TRANSACTION -> new CurrentView(table, SourceTable.TRANSACTION, null, null);
            case FACT_SALES_ORDER -> new CurrentView(table, SourceTable.SALES_ORDER, null, null);
            case FACT_PURCHASE_ORDER -> new CurrentView(table, SourceTable.PURCHASE_ORDER, null, null);
            case FACT_PAYMENT -> new CurrentView(table, SourceTable.PAYMENT, null, null);
            case DIM_DATE -> throw new IllegalArgumentException("dim_date has no current view");
        };
    }

    WarehouseTable table() {
        return table;
    }

    /** The ToteSys table whose key is the view's. */
    SourceTable source() {
        return source;
    }

    /** The ToteSys table a dimension joins beside its own, or {@code null}. */
    SourceTable partner() {
        return partner;
    }

    /** The ToteSys tables the view's rows come from: its own, and the one it joins if any. */
    List<SourceTable> toteSysTables() {
        return partner == null ? List.of(source) : List.of(source, partner);
    }

    /**
     * ToteSys's rows of the view as the derivation rules build them: {@code row_key},
     * {@code row_hash} and {@code partner_key} (NULL without a partner), one per row of the
     * source table (and its partner's, joined as the transform joins them). A column an operator
     * added that ToteSys no longer has is NULL, as the transform writes it.
     */
    String expectedRows(Set<String> viewColumns, Map<SourceTable, SourceSchema> toteSys) {
        String texts = compared(viewColumns).map(column -> expectedText(column, toteSys.get(source)))
                .collect(Collectors.joining(", "));
        String from = source.qualifiedName() + " " + SOURCE + (partner == null ? ""
                : " JOIN " + partner.qualifiedName() + " " + PARTNER + " ON " + PARTNER + "." + partner.primaryKey()
                        + " = " + SOURCE + "." + partnerJoin);
        return "SELECT %s.%s AS row_key, md5(ROW(%s)::text) AS row_hash, %s AS partner_key FROM %s".formatted(SOURCE,
                source.primaryKey(), texts, partner == null ? "NULL::integer" : PARTNER + "." + partner.primaryKey(),
                from);
    }

    /** The warehouse's rows of the view: {@code row_key}, {@code row_hash}, with {@code NULL} for the partner. */
    String currentRows(Set<String> viewColumns) {
        String texts = compared(viewColumns).map(column -> column.sqlName() + "::text")
                .collect(Collectors.joining(", "));
        return "SELECT %s AS row_key, md5(ROW(%s)::text) AS row_hash, NULL::integer AS partner_key FROM %s"
                .formatted(table.columns().get(0).sqlName(), texts, viewName());
    }

    /**
     * The table's columns the view shows, compared on both sides: its own, and those an operator
     * added that the view has (a view lists the columns its table had when it was made; the
     * facts' are made again after the operator's migrations, the dimensions' are not).
     */
    private Stream<WarehouseColumn> compared(Set<String> viewColumns) {
        return table.columns().stream().filter(column -> viewColumns.contains(column.name()));
    }

    /** The view's name, with its schema. */
    String viewName() {
        return "public." + table.tableName() + "_current";
    }

    /**
     * Per range of 65,536 keys: the range, its rows and the sum of the first 64 bits of their
     * hashes, as text: a query over {@link #expectedRows} or {@link #currentRows}.
     */
    static String rangeSums(String rows) {
        return """
                SELECT row_key >> 16, count(*), sum(('x' || left(row_hash, 16))::bit(64)::bigint)::text
                  FROM (%s) AS view_rows GROUP BY 1""".formatted(rows);
    }

    /** Each row's key, hash and partner's key in one key range (two parameters: from, before), in key order. */
    static String rowsOfRange(String rows) {
        return """
                SELECT row_key, row_hash, partner_key FROM (%s) AS view_rows
                 WHERE row_key >= ? AND row_key < ? ORDER BY row_key""".formatted(rows);
    }

    /** A column's value as ToteSys's rows give it, as text in the warehouse type's output. */
    private String expectedText(WarehouseColumn column, SourceSchema toteSys) {
        String name = column.name();
        if (table.addedColumns().stream().anyMatch(added -> added.column().equals(name))
                && toteSys.column(name).isEmpty()) {
            return "NULL::text";
        }
        if (table == WarehouseTable.DIM_CURRENCY && name.equals("currency_name")) {
            return "CASE " + SOURCE + ".currency_code::text " + CURRENCY_NAMES + " ELSE " + SOURCE
                    + ".currency_code::text END";
        }
        String value = sourceValue(name);
        return switch (column.type().kind()) {
            case DATE -> isStamp(name) ? "(" + value + ")::date::text" : "(" + value + ")::text";
            case TIME -> "date_trunc('milliseconds', " + value + ")::time::text";
            case DECIMAL -> "round((" + value + ")::numeric, " + column.type().scale() + ")::text";
            case INTEGER, BOOLEAN, TEXT -> "(" + value + ")::text";
        };
    }

    /** The ToteSys column a view's column comes from, with its table's alias. */
    private String sourceValue(String name) {
        if (isStamp(name)) {
            return SOURCE + "." + stampOf(name);
        }
        if (table == WarehouseTable.DIM_COUNTERPARTY && COUNTERPARTY_ADDRESS.containsKey(name)) {
            return PARTNER + "." + COUNTERPARTY_ADDRESS.get(name);
        }
        if (table == WarehouseTable.DIM_STAFF && (name.equals("department_name") || name.equals("location"))) {
            return PARTNER + "." + name;
        }
        if (table == WarehouseTable.DIM_LOCATION && name.equals("location_id")) {
            return SOURCE + ".address_id";
        }
        if (table == WarehouseTable.FACT_SALES_ORDER && name.equals("sales_staff_id")) {
            return SOURCE + ".staff_id";
        }
        return SOURCE + "." + quoted(name);
    }

    /** Whether a fact column is a split of {@code created_at} or {@code last_updated}. */
    private boolean isStamp(String name) {
        return table.isFact() && (name.startsWith("created_") || name.startsWith("last_updated_"))
                && (name.endsWith("_date") || name.endsWith("_time"));
    }

    private static String stampOf(String name) {
        return name.startsWith("created_") ? "created_at" : SourceTable.CHANGE_COLUMN;
    }

    private static String quoted(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** {@code WHEN 'GBP' THEN 'Pound Sterling' ...}: every code the JVM knows, by the derivation rules' names. */
    private static String currencyNames() {
        List<String> cases = new ArrayList<>();
        Currency.getAvailableCurrencies().stream().map(Currency::getCurrencyCode).sorted().forEach(code -> cases
                .add("WHEN " + literal(code) + " THEN " + literal(StarSchemaRecords.currencyName(code))));
        return String.join(" ", cases);
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
