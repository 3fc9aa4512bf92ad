package io.totesys.pipeline.starschema;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * The columns operators added to the star schema ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS}), the
 * one configured object through which {@link WarehouseTable} lists them: each carries a
 * column of a ToteSys table, under its own name and with the type it has in the warehouse,
 * into the table whose rows come from that ToteSys table alone (a fact from its order or
 * payment, a dimension from its one table), after the table's own columns.
 * <p>
 * A name that is a column of its table already, one of its own or one the warehouse keeps
 * itself ({@code batch_id}, a fact's record id), is refused at start; an SQL keyword ({@code order},
 * {@code user}) is a name like any other: the load quotes every column it names.
 */
public final class AddedColumns {

    /** The setting, as operators write it. */
    public static final String SETTING = "ETL_STAR_SCHEMA_ADDED_COLUMNS";

    /** None: the star schema is as docs/architecture.md#star-schema lists it. */
    public static final AddedColumns NONE = new AddedColumns(List.of());

    /** The dimensions that join two ToteSys tables: a column of either has no one row to go to. */
    private static final Set<WarehouseTable> JOINED = Set.of(WarehouseTable.DIM_COUNTERPARTY, WarehouseTable.DIM_STAFF);
    private static final Pattern ENTRY = Pattern.compile("([^\\s.]+)\\.(\\S+)\\s+(.+)");
    private static final Pattern COLUMN_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String EXAMPLE = "write table.column type, such as sales_order.discount_percent numeric(5,2), "
            + "entries separated by ;";

    private final List<AddedColumn> columns;
    private final Map<WarehouseTable, List<AddedColumn>> byTable = new EnumMap<>(WarehouseTable.class);
    private final Map<WarehouseTable, TableLayout> layouts = new EnumMap<>(WarehouseTable.class);

    private AddedColumns(List<AddedColumn> columns) {
        this.columns = List.copyOf(columns);
        for (AddedColumn column : columns) {
            byTable.computeIfAbsent(column.table(), table -> new ArrayList<>()).add(column);
        }
        byTable.forEach((table, added) -> layouts.put(table, TableLayout.of(table.tableName(), table.specColumns(),
                added.stream().map(AddedColumn::warehouseColumn).toList())));
    }

    /**
     * Reads the setting: entries {@code table.column type} separated by {@code ;} or line
     * breaks, blank for none.
     *
     * @throws StarSchemaSettingException naming the setting, the entry and what to write
     */
    public static AddedColumns parse(Optional<String> setting) {
        List<AddedColumn> columns = new ArrayList<>();
        for (String text : setting.orElse("").split("[;\\n]")) {
            String entry = text.strip();
            if (!entry.isEmpty()) {
                AddedColumn column = entry(entry);
                if (columns.stream().anyMatch(other -> other.table() == column.table()
                        && other.column().equals(column.column()))) {
                    throw invalid(entry, "it names " + column.table().tableName() + "." + column.column() + " twice");
                }
                columns.add(column);
            }
        }
        return columns.isEmpty() ? NONE : new AddedColumns(columns);
    }

    private static AddedColumn entry(String entry) {
        Matcher parts = ENTRY.matcher(entry);
        if (!parts.matches()) {
            throw invalid(entry, "it is not table.column type: " + EXAMPLE);
        }
        String tableName = parts.group(1);
        String column = parts.group(2);
        SourceTable source = SourceTable.byTableName(tableName).orElseThrow(() -> invalid(entry, "'" + tableName
                + "' is not a ToteSys table; columns can be added from " + carriedTableNames()));
        WarehouseTable table = carriedInto(source).orElseThrow(() -> invalid(entry, "the rows of " + tableName
                + " reach the star schema joined with another table, so a column of it has no one row to go to; "
                + "columns can be added from " + carriedTableNames()));
        if (!COLUMN_NAME.matcher(column).matches()) {
            throw invalid(entry, "'" + column + "' is not a column name: write it as ToteSys does, in lower case "
                    + "letters, digits and _");
        }
        if (table.specColumns().stream().anyMatch(existing -> existing.name().equals(column))) {
            throw clash(entry, table, column, "one of the star schema's own columns");
        }
        if (table.warehouseOwnColumns().contains(column)) {
            throw clash(entry, table, column, "which the warehouse keeps itself");
        }
        WarehouseColumnType type = WarehouseColumnType.parse(parts.group(3)).orElseThrow(() -> invalid(entry, "'"
                + parts.group(3).strip() + "' is not a type an added column may have: write one of "
                + WarehouseColumnType.ADDABLE + " (numeric up to " + WarehouseColumnType.MAX_DECIMAL_PRECISION
                + " digits)"));
        return new AddedColumn(source, table, column, type);
    }

    /** The star schema table whose rows come from the ToteSys table alone, if there is one. */
    static Optional<WarehouseTable> carriedInto(SourceTable source) {
        return WarehouseDeletions.of(source).filter(table -> !JOINED.contains(table));
    }

    private static List<String> carriedTableNames() {
        return Arrays.stream(SourceTable.values()).filter(table -> carriedInto(table).isPresent())
                .map(SourceTable::tableName).toList();
    }

    private static StarSchemaSettingException clash(String entry, WarehouseTable table, String column,
            String existing) {
        return invalid(entry, column + " clashes with " + table.tableName() + "." + column + ", " + existing
                + ": a ToteSys column of that name cannot be carried into it");
    }

    private static StarSchemaSettingException invalid(String entry, String problem) {
        return new StarSchemaSettingException(SETTING + " entry '" + entry + "': " + problem);
    }

    /** Every added column, in the order the setting names them. */
    public List<AddedColumn> all() {
        return columns;
    }

    /** The ToteSys columns carried, by name per ToteSys table, in the setting's order. */
    public Map<SourceTable, List<String>> sourceColumns() {
        Map<SourceTable, List<String>> names = new EnumMap<>(SourceTable.class);
        columns.forEach(column -> names.computeIfAbsent(column.source(), table -> new ArrayList<>())
                .add(column.column()));
        return names;
    }

    /** The columns added to a table, in the order the setting names them. */
    List<AddedColumn> of(WarehouseTable table) {
        return byTable.getOrDefault(table, List.of());
    }

    /** A table's layout with its added columns; {@code spec} when it has none. */
    TableLayout layout(WarehouseTable table, TableLayout spec) {
        return layouts.getOrDefault(table, spec);
    }

    @Override
    public String toString() {
        return columns.toString();
    }
}
