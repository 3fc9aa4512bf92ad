package io.totesys.pipeline.schemadrift;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.totesys.pipeline.catalogue.SourceColumn;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.source.SourceSchema;

/**
 * How a ToteSys table's columns changed between what was recorded and what ToteSys has now
 * (added, dropped, renamed, retyped), and the one WARN line that says each change; what
 * {@link SchemaChanges} records and holds tables for.
 */
public final class ColumnChanges {

    /** What changed in a column. */
    public enum Kind {
        ADDED, DROPPED, RENAMED, RETYPED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One change of a ToteSys table.
     *
     * @param column the column's name before the change (after it, when added)
     * @param renamedTo the new name, for {@link Kind#RENAMED}
     * @param oldType the type before, or {@code null} for an added column or when unknown
     * @param newType the type after, or {@code null} for a dropped column
     */
    public record Change(SourceTable table, Kind kind, String column, String renamedTo, String oldType,
            String newType) {
    }

    /** A column as {@code pipeline.source_schema} records it. */
    public record RecordedColumn(String name, String type, Integer position) {
    }

    private ColumnChanges() {
    }

    /** The changes from the columns before to those ToteSys has now. */
    public static List<Change> changes(SourceSchema now, List<RecordedColumn> before) {
        SourceTable table = now.table();
        Map<String, RecordedColumn> gone = new LinkedHashMap<>();
        before.forEach(column -> gone.put(column.name(), column));
        List<SourceSchema.Column> added = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        for (SourceSchema.Column column : now.columns()) {
            RecordedColumn earlier = gone.remove(column.name());
            if (earlier == null) {
                added.add(column);
            } else if (earlier.type() != null && !earlier.type().equals(column.type())) {
                changes.add(new Change(table, Kind.RETYPED, column.name(), null, earlier.type(), column.type()));
            }
        }
        for (Iterator<SourceSchema.Column> columns = added.iterator(); columns.hasNext();) {
            SourceSchema.Column column = columns.next();
            Optional<RecordedColumn> renamed = gone.values().stream()
                    .filter(earlier -> Objects.equals(earlier.position(), column.position())).findFirst();
            if (renamed.isPresent()) {
                gone.remove(renamed.get().name());
                columns.remove();
                changes.add(new Change(table, Kind.RENAMED, renamed.get().name(), column.name(), renamed.get().type(),
                        column.type()));
            }
        }
        gone.values().forEach(column -> changes.add(new Change(table, Kind.DROPPED, column.name(), null,
                column.type(), null)));
        added.forEach(column -> changes.add(new Change(table, Kind.ADDED, column.name(), null, null, column.type())));
        return changes;
    }

    /** The one WARN line that says a change. */
    public static String describe(Change change, SourceSchema schema, BatchId batchId) {
        String table = change.table().tableName();
        String column = table + "." + change.column();
        boolean needed = change.table().columnNames().contains(change.column());
        return switch (change.kind()) {
            case ADDED -> "ToteSys added the column " + column + " (" + change.newType() + "): the lake carries it "
                    + "from batch " + batchId + " on, at the end of " + table + "'s CSV objects; the star schema "
                    + (needed ? "maps it" : "does not map it (docs/operations.md#when-totesys-changes-its-schema)");
            case DROPPED -> "ToteSys dropped the column " + column + optionalType(change.oldType())
                    + ": the lake no longer carries it from batch " + batchId + " on"
                    + (needed ? "; the star schema needs it, so " + table + " is held" : "");
            case RENAMED -> "ToteSys renamed the column " + column + " to " + change.renamedTo() + " ("
                    + change.newType() + "): the lake carries it under its new name from batch " + batchId + " on"
                    + (needed ? "; the star schema needs " + change.column() + ", so " + table + " is held" : "");
            case RETYPED -> "ToteSys changed the type of " + column + " from " + change.oldType() + " to "
                    + change.newType() + " (batch " + batchId + ")" + (needed ? retypedNeed(change, schema) : "");
        };
    }

    private static String retypedNeed(Change change, SourceSchema schema) {
        SourceColumn expected = change.table().columns().get(change.table().columnIndex(change.column()));
        boolean taken = schema.column(change.column())
                .map(column -> expected.type().accepts(column.typeName(), column.enumType())).orElse(false);
        return taken ? ": the star schema takes it; a value that does not fit the star schema's type is quarantined "
                + "by the transform, never truncated"
                : ": the star schema cannot take it, so " + change.table().tableName() + " is held";
    }

    private static String optionalType(String type) {
        return type == null ? "" : " (" + type + ")";
    }

    /** Before the first record of a table: the catalogue's columns, names only. */
    static List<RecordedColumn> catalogued(SourceTable table) {
        return table.columnNames().stream().map(name -> new RecordedColumn(name, null, null)).toList();
    }
}
