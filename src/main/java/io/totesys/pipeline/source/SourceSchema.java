package io.totesys.pipeline.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.totesys.pipeline.catalogue.ColumnType;
import io.totesys.pipeline.catalogue.SourceColumn;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;

/**
 * The columns a ToteSys table has now, as its catalogue ({@code pg_attribute}, readable by
 * a SELECT-only role) says, and how the extract carries them to the lake.
 * <p>
 * The lake carries every column: first the catalogue's ({@link SourceTable}) in the
 * catalogue's order, so that a table ToteSys did not change keeps the header it always had,
 * then any other column ToteSys has, in ToteSys's order. Each value is rendered by
 * PostgreSQL: {@code ::text}, except a {@code timestamp}, which keeps three fractional digits
 * ({@code to_char}), or six when its value has more, so that nothing is truncated.
 *
 * @param table the catalogue's table
 * @param columns the columns ToteSys has, in its order; empty when the table is gone
 * @param repeatedKey a key ToteSys holds in more than one row, once its primary key is dropped
 */
public record SourceSchema(SourceTable table, List<Column> columns, Optional<RepeatedKey> repeatedKey) {

    /** A table whose key is unique. */
    public SourceSchema(SourceTable table, List<Column> columns) {
        this(table, columns, Optional.empty());
    }

    /**
     * One column as ToteSys has it.
     *
     * @param name its name
     * @param type its type as {@code format_type()} writes it: {@code numeric(5,2)}
     * @param typeName its type's {@code pg_type.typname}: {@code numeric}, {@code int8}
     * @param enumType whether its type is an enum
     * @param typeModifier {@code atttypmod}: a timestamp's precision, -1 when not declared
     * @param position {@code attnum}: it stays when the column is renamed
     */
    public record Column(String name, String type, String typeName, boolean enumType, int typeModifier,
            int position) {
    }

    /**
     * A column the star schema needs that ToteSys no longer has, or has with a type the
     * star schema cannot take.
     *
     * @param column the catalogue's column
     * @param problem what is wrong with it, a clause: {@code is missing}
     */
    public record Conflict(String column, String problem) {
    }

    private static final String TIMESTAMP_MILLISECONDS = "to_char(%s, 'YYYY-MM-DD HH24:MI:SS.MS')";
    private static final String TIMESTAMP_MICROSECONDS = "to_char(%s, 'YYYY-MM-DD HH24:MI:SS.US')";

    /**
     * Reads the columns of every catalogue table, and any key that repeats ({@link RepeatedKey}),
     * in the connection's transaction.
     */
    public static Map<SourceTable, SourceSchema> read(Connection connection) throws SQLException {
        Map<SourceTable, SourceSchema> schemas = new EnumMap<>(SourceTable.class);
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typtype = 'e', a.atttypmod,
                       a.attnum
                  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                 WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum""")) {
            for (SourceTable table : SourceTable.values()) {
                statement.setString(1, table.qualifiedName());
                List<Column> columns = new ArrayList<>();
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        columns.add(new Column(rows.getString(1), rows.getString(2), rows.getString(3),
                                rows.getBoolean(4), rows.getInt(5), rows.getInt(6)));
                    }
                }
                boolean keyed = columns.stream().anyMatch(column -> column.name().equals(table.primaryKey()));
                schemas.put(table, new SourceSchema(table, List.copyOf(columns),
                        keyed ? RepeatedKey.find(connection, table) : Optional.empty()));
            }
        }
        return schemas;
    }

    public Optional<Column> column(String name) {
        return columns.stream().filter(column -> column.name().equals(name)).findFirst();
    }

    /**
     * The catalogue's columns this table lacks or has with a type the star schema cannot
     * take; while there is one, the extract holds the table.
     */
    public List<Conflict> conflicts() {
        List<Conflict> conflicts = new ArrayList<>();
        for (SourceColumn expected : table.columns()) {
            Optional<Column> actual = column(expected.name());
            if (actual.isEmpty()) {
                conflicts.add(new Conflict(expected.name(), "is missing"));
            } else if (!expected.type().accepts(actual.get().typeName(), actual.get().enumType())) {
                conflicts.add(new Conflict(expected.name(), "is now " + actual.get().type()
                        + ", which the star schema cannot take as " + expected.type().name().toLowerCase(Locale.ROOT)));
            }
        }
        return conflicts;
    }

    /**
     * Whether the extract can read this table now: no column conflicts ({@link #conflicts}) and
     * no repeated key; otherwise it holds the table, and reconciliation leaves it out.
     */
    public boolean readable() {
        return repeatedKey.isEmpty() && conflicts().isEmpty();
    }

    /** The columns ToteSys has that the catalogue does not, as {@code name type}. */
    public List<String> uncatalogued() {
        return columns.stream().filter(column -> !table.columnNames().contains(column.name()))
                .map(column -> column.name() + " " + column.type()).toList();
    }

    /** The columns the lake carries, in its order: the catalogue's, then the others in ToteSys's order. */
    public List<Column> lakeColumns() {
        List<Column> lake = new ArrayList<>();
        table.columnNames().forEach(name -> column(name).ifPresent(lake::add));
        columns.stream().filter(column -> !table.columnNames().contains(column.name())).forEach(lake::add);
        return lake;
    }

    /**
     * The columns of those named, beyond the catalogue's, that ToteSys has, in the order
     * named ({@link io.totesys.pipeline.catalogue.CarriedColumns}): a row's checksum covers
     * them after the catalogue's columns.
     */
    public List<Column> carried(List<String> names) {
        return names.stream().filter(name -> !table.columnNames().contains(name)).map(this::column)
                .flatMap(Optional::stream).toList();
    }

    public List<String> lakeColumnNames() {
        return lakeColumns().stream().map(Column::name).toList();
    }

    /** The select list that renders the lake's columns as their lake text. */
    public String selectList() {
        return lakeColumns().stream().map(SourceSchema::asText).collect(Collectors.joining(", "));
    }

    /** The table's columns as the batch manifest records them. */
    public BatchManifest.TableSchema manifestSchema() {
        return new BatchManifest.TableSchema(table.tableName(), lakeColumns().stream()
                .map(column -> new BatchManifest.Column(column.name(), column.type())).toList());
    }

    /**
     * Whether a column's lake text is the text of its catalogue type ({@link #catalogueText}),
     * what a row's checksum is computed over: every column but a timestamp kept with six digits.
     */
    static boolean rendersCatalogueText(Column column, SourceColumn catalogue) {
        return catalogue.type() != ColumnType.TIMESTAMP
                || (column.typeModifier() >= 0 && column.typeModifier() <= 3);
    }

    /** Types whose text is short whatever the value: all but these may hold a value of any length. */
    private static final Set<String> SHORT_TYPES = Set.of("int2", "int4", "int8", "float4", "float8", "bool",
            "date", "time", "timetz", "timestamp", "timestamptz", "interval", "uuid", "numeric", "money", "oid");

    /**
     * Whether a column's text may be longer than a {@code COPY} row should carry
     * ({@link LongValueRows}): text, {@code varchar}, {@code bytea}, JSON, arrays and any
     * type not known to be short (a {@code numeric}'s text is at most some 150,000 digits).
     */
    static boolean mayBeLong(Column column) {
        return !column.enumType() && !SHORT_TYPES.contains(column.typeName());
    }

    /** A column rendered as its lake text. */
    static String asText(Column column) {
        String name = quoted(column.name());
        if (!column.typeName().equals("timestamp")) {
            return name + "::text";
        }
        if (column.typeModifier() >= 0 && column.typeModifier() <= 3) {
            return TIMESTAMP_MILLISECONDS.formatted(name);
        }
        return "CASE WHEN date_trunc('milliseconds', " + name + ") = " + name + " THEN "
                + TIMESTAMP_MILLISECONDS.formatted(name) + " ELSE " + TIMESTAMP_MICROSECONDS.formatted(name) + " END";
    }

    /**
     * A catalogue column rendered as the lake text of its catalogue type, whatever else
     * ToteSys has: what a row's checksum ({@link TableQueries#checksum}) is computed over, so
     * that the extract and reconciliation agree and a column ToteSys adds changes no checksum.
     */
    public static String catalogueText(SourceColumn column) {
        return column.type() == ColumnType.TIMESTAMP ? TIMESTAMP_MILLISECONDS.formatted(column.name())
                : column.name() + "::text";
    }

    /** A column name as an SQL identifier: the names come from ToteSys, not from the allow-list. */
    private static String quoted(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
