package io.totesys.pipeline.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

/**
 * The foreign keys a bulk batch dropped ({@link ForeignKeys}) added back from their records in
 * {@code pipeline.suspended_foreign_key}, each validated once, set-wise, in the transaction that
 * loads the batch. A key's validation is also what finds the facts' missing dimension members:
 * when it finds rows that refer to nothing, the key is rolled back to a savepoint, the members
 * are inferred ({@link Violations}) and the key added again, so that a fact is read against a
 * dimension once, not once to infer and once to validate.
 */
final class ForeignKeyRestore {

    /** The log category of the foreign keys' lines, one for both halves. */
    private static final Logger LOG = Logger.getLogger(ForeignKeys.class);
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    /**
     * The recorded foreign keys (parameter: the star schema tables' names), each with whether the
     * catalogue bears its parts out, then its table, name, parts and definition. A row from
     * before the parts were recorded (V17) has them read from its text when that is a plain
     * one-column key, the shape every key the pipeline declares has, and has none otherwise.
     */
    private static final String RECORDED = """
            SELECT coalesce(k.table_name = ANY (?) AND t.oid IS NOT NULL AND r.oid IS NOT NULL
                            AND cardinality(p.columns) BETWEEN 1 AND 32
                            AND cardinality(p.columns) = cardinality(p.referenced_columns)
                            AND p.columns <@ ARRAY(SELECT attname::text FROM pg_attribute
                                                    WHERE attrelid = t.oid AND attnum > 0 AND NOT attisdropped)
                            AND p.referenced_columns <@ ARRAY(SELECT attname::text FROM pg_attribute
                                                    WHERE attrelid = r.oid AND attnum > 0 AND NOT attisdropped)
                            AND p.on_update IN ('a', 'r', 'c', 'n', 'd')
                            AND p.on_delete IN ('a', 'r', 'c', 'n', 'd')
                            AND p.match_full IS NOT NULL AND p.is_deferrable IS NOT NULL
                            AND p.initially_deferred IS NOT NULL AND p.validated IS NOT NULL, false),
                   k.table_name, k.constraint_name, p.columns, p.referenced_schema, p.referenced_table,
                   p.referenced_columns, p.match_full, p.on_update::text, p.on_delete::text, p.is_deferrable,
                   p.initially_deferred, p.validated, k.definition
              FROM pipeline.suspended_foreign_key k
                   CROSS JOIN LATERAL (SELECT regexp_match(k.definition,
                              '^FOREIGN KEY \\(([a-z_][a-z0-9_]*)\\) REFERENCES '
                              || '([a-z_][a-z0-9_]*)\\.([a-z_][a-z0-9_]*)\\(([a-z_][a-z0-9_]*)\\)$') AS part)
                       AS legacy
                   CROSS JOIN LATERAL (
                       SELECT k.columns, k.referenced_schema, k.referenced_table, k.referenced_columns,
                              k.match_full, k.on_update, k.on_delete, k.is_deferrable, k.initially_deferred,
                              k.validated
                        WHERE k.columns IS NOT NULL
                       UNION ALL
                       SELECT ARRAY[legacy.part[1]], legacy.part[2], legacy.part[3], ARRAY[legacy.part[4]],
                              false, 'a'::"char", 'a'::"char", false, false, true
                        WHERE k.columns IS NULL) AS p
                   LEFT JOIN pg_class t ON t.relnamespace = 'public'::regnamespace
                                       AND t.relkind IN ('r', 'p') AND t.relname = k.table_name
                   LEFT JOIN pg_namespace rn ON rn.nspname = p.referenced_schema
                   LEFT JOIN pg_class r ON r.relnamespace = rn.oid
                                       AND r.relkind IN ('r', 'p') AND r.relname = p.referenced_table
             ORDER BY k.table_name, k.constraint_name""";

    private ForeignKeyRestore() {
    }

    /** What the load does when a foreign key it adds back finds rows that refer to none. */
    interface Violations {

        /**
         * Adds what the fact's rows refer to in the table but it lacks (inferred members, days);
         * returns false when it cannot, for a key that is not a fact's reference to a dimension.
         */
        boolean repair(String table, String referencedTable) throws SQLException;
    }

    /**
     * The columns, as {@code table.column}, whose references a suspended foreign key checks
     * when it is added back: single-column keys of the star schema, validated, to a table in
     * {@code public}. Their facts' missing dimension members need not be looked for before:
     * the key's own validation finds them, in the same pass ({@link #restore}).
     */
    static Set<String> validatedReferences(Connection connection) throws SQLException {
        Set<String> checked = new HashSet<>();
        for (SuspendedForeignKey key : recorded(connection, false)) {
            if (key.validated() && key.columns().size() == 1 && key.referencedSchema().equals("public")) {
                checked.add(key.table() + "." + key.columns().get(0) + ">" + key.referencedTable());
            }
        }
        return checked;
    }

    /** Adds every recorded foreign key again (see {@link #restore(Connection, Violations)}), repairing nothing. */
    static int restore(Connection connection) throws SQLException {
        return restore(connection, (table, referencedTable) -> false);
    }

    /**
     * Adds every recorded foreign key again, each validated at once, set-wise, in the
     * connection's transaction; returns how many. A key whose validation finds rows that refer
     * to nothing has them repaired ({@code violations}), then is added again. A row whose parts
     * the catalogue does not bear out is left in place, run in no way, with a warning. The
     * caller commits.
     */
    static int restore(Connection connection, Violations violations) throws SQLException {
        List<SuspendedForeignKey> keys = recorded(connection, true);
        try (Statement statement = connection.createStatement();
                PreparedStatement forget = connection.prepareStatement(
                        "DELETE FROM pipeline.suspended_foreign_key WHERE table_name = ? AND constraint_name = ?")) {
            for (SuspendedForeignKey key : keys) {
                add(statement, key, violations);
                forget.setString(1, key.table());
                forget.setString(2, key.name());
                forget.addBatch();
            }
            forget.executeBatch();
        }
        return keys.size();
    }

    /** Adds a key back; if rows refer to nothing, has them repaired and adds it again. */
    private static void add(Statement statement, SuspendedForeignKey key, Violations violations)
            throws SQLException {
        statement.execute("SAVEPOINT adding_foreign_key");
        try {
            statement.execute(key.addStatement());
        } catch (SQLException e) {
            statement.execute("ROLLBACK TO SAVEPOINT adding_foreign_key");
            if (!FOREIGN_KEY_VIOLATION.equals(e.getSQLState())
                    || !violations.repair(key.table(), key.referencedTable())) {
                throw e;
            }
            statement.execute(key.addStatement());
        }
        statement.execute("RELEASE SAVEPOINT adding_foreign_key");
    }

    /** The recorded foreign keys whose parts the catalogue bears out; the others logged, when asked. */
    private static List<SuspendedForeignKey> recorded(Connection connection, boolean warn) throws SQLException {
        List<SuspendedForeignKey> keys = new ArrayList<>();
        try (PreparedStatement recorded = connection.prepareStatement(RECORDED)) {
            recorded.setArray(1, ForeignKeys.tableNames(connection));
            try (ResultSet result = recorded.executeQuery()) {
                while (result.next()) {
                    if (result.getBoolean(1)) {
                        keys.add(SuspendedForeignKey.read(result, 2));
                    } else if (warn) {
                        LOG.warnf("pipeline.suspended_foreign_key holds %s.%s, which is not a foreign key the load "
                                + "dropped from the star schema as the catalogue has it (its definition reads: %s); "
                                + "it is not run: see whether the star schema lacks that key, add it by hand if so, "
                                + "and delete the row", result.getString(2), result.getString(3),
                                result.getString(14).replaceAll("\\s+", " "));
                    }
                }
            }
        }
        return keys;
    }

}
