package io.totesys.pipeline.warehouse;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

import org.postgresql.core.Utils;

/**
 * A foreign key of the star schema that a bulk batch dropped, by its parts as
 * {@code pg_constraint} held them ({@code pipeline.suspended_foreign_key}), every name checked
 * against the catalogue before it is read ({@link ForeignKeys}): what the owner adds back is
 * built here, each name quoted and each keyword chosen from the parts' codes, never taken from
 * text a row holds.
 *
 * @param table the star schema table it is declared on, in {@code public}
 * @param name the constraint's name
 * @param columns the table's columns, in order
 * @param referencedSchema the schema of the table it refers to
 * @param referencedTable the table it refers to
 * @param referencedColumns the referenced columns, in order
 * @param matchFull whether it is {@code MATCH FULL} (otherwise {@code MATCH SIMPLE})
 * @param onUpdate its {@code ON UPDATE} action, as {@code pg_constraint.confupdtype} codes it
 * @param onDelete its {@code ON DELETE} action, as {@code pg_constraint.confdeltype} codes it
 * @param deferrable whether it is {@code DEFERRABLE}
 * @param deferred whether it is {@code INITIALLY DEFERRED}
 * @param validated whether it was validated (otherwise it goes back {@code NOT VALID}, as it was)
 */
record SuspendedForeignKey(String table, String name, List<String> columns, String referencedSchema,
        String referencedTable, List<String> referencedColumns, boolean matchFull, char onUpdate, char onDelete,
        boolean deferrable, boolean deferred, boolean validated) {

    /** The columns {@link #read} reads, in order, after the row's table and constraint names. */
    static final String PARTS = "columns, referenced_schema, referenced_table, referenced_columns, match_full, "
            + "on_update, on_delete, is_deferrable, initially_deferred, validated";

    /** A key's parts from a result set's columns from the given one on: the table, the name, then {@link #PARTS}. */
    static SuspendedForeignKey read(ResultSet row, int first) throws SQLException {
        return new SuspendedForeignKey(row.getString(first), row.getString(first + 1), names(row, first + 2),
                row.getString(first + 3), row.getString(first + 4), names(row, first + 5), row.getBoolean(first + 6),
                row.getString(first + 7).charAt(0), row.getString(first + 8).charAt(0), row.getBoolean(first + 9),
                row.getBoolean(first + 10), row.getBoolean(first + 11));
    }

    /** The statement that adds the key back, validating it unless it was not valid before. */
    String addStatement() throws SQLException {
        return "ALTER TABLE public." + identifier(table) + " ADD CONSTRAINT " + identifier(name) + " FOREIGN KEY ("
                + identifiers(columns) + ") REFERENCES " + identifier(referencedSchema) + "."
                + identifier(referencedTable) + " (" + identifiers(referencedColumns) + ")"
                + (matchFull ? " MATCH FULL" : "") + " ON UPDATE " + action(onUpdate) + " ON DELETE "
                + action(onDelete) + (deferrable ? " DEFERRABLE" : " NOT DEFERRABLE")
                + (deferred ? " INITIALLY DEFERRED" : "") + (validated ? "" : " NOT VALID");
    }

    /** How {@code table.name} reads in a log line. */
    String label() {
        return table + "." + name;
    }

    private static String action(char code) {
        return switch (code) {
            case 'a' -> "NO ACTION";
            case 'r' -> "RESTRICT";
            case 'c' -> "CASCADE";
            case 'n' -> "SET NULL";
            case 'd' -> "SET DEFAULT";
            default ->
                throw new IllegalArgumentException("'" + code + "' is not a foreign key action of pg_constraint");
        };
    }

    private static List<String> names(ResultSet row, int column) throws SQLException {
        return Arrays.asList((String[]) row.getArray(column).getArray());
    }

    private static String identifiers(List<String> names) throws SQLException {
        StringBuilder list = new StringBuilder();
        for (String name : names) {
            list.append(list.isEmpty() ? "" : ", ").append(identifier(name));
        }
        return list.toString();
    }

    private static String identifier(String name) throws SQLException {
        return Utils.escapeIdentifier(new StringBuilder(), name).toString();
    }
}
