package io.totesys.pipeline.warehouse;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jboss.logging.Logger;
import org.postgresql.core.Utils;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The star schema's foreign keys around a bulk batch, the way {@code pg_restore} loads:
 * dropped before the rows go in, so that no fact row is checked against its dimensions one by
 * one, and added again afterwards, each validated once, set-wise, in the transaction that
 * loads the batch ({@link ForeignKeyRestore}, which also infers the facts' missing dimension
 * members that a key's validation finds).
 * <p>
 * Locks: dropping takes an {@code ACCESS EXCLUSIVE} lock on each fact table and the dimensions
 * it refers to, in a transaction of its own that commits at once, after waiting at most
 * {@code ETL_LOAD_LOCK_TIMEOUT}; adding takes {@code SHARE ROW EXCLUSIVE}, which readers do not
 * wait for. Each dropped key is recorded in {@code pipeline.suspended_foreign_key} in the
 * transaction that drops it and removed in the one that adds it: whatever a crash or a failed
 * batch leaves there is added back by the next load.
 * <p>
 * A key is recorded by its parts as {@code pg_constraint} holds them, and added back from
 * those parts ({@link SuspendedForeignKey}) once each name is found in the catalogue: on a star
 * schema table, with columns it has, referring to a table and columns that exist. The text of
 * its definition is kept for people to read and never run, so that a row no load wrote runs
 * nothing as the owner; such a row is left in place with a warning naming it. Only the owner
 * may write the table ({@code PipelineSchema} grants the runtime role no more than to read it).
 */
final class ForeignKeys {

    private static final Logger LOG = Logger.getLogger(ForeignKeys.class);
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    /** The star schema's foreign keys (parameter: the tables' names), with their tables and referenced tables. */
    private static final String KEYS = """
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                  JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
            WHERE c.contype = 'f' AND t.relnamespace = 'public'::regnamespace AND t.relname = ANY (?)""";

    /** The names of a constraint's columns in order ({@code %s}: {@code conkey} or {@code confkey}, its relation). */
    private static final String COLUMN_NAMES = "ARRAY(SELECT a.attname::text FROM unnest(c.%s) WITH ORDINALITY AS "
            + "k (attnum, position) JOIN pg_attribute a ON a.attrelid = c.%s AND a.attnum = k.attnum "
            + "ORDER BY k.position)";

    /**
     * Records the star schema's foreign keys by their parts (parameters: the batch, the tables'
     * names); returns each one's table and name.
     */
    private static final String RECORD = "INSERT INTO pipeline.suspended_foreign_key (table_name, constraint_name, "
            + "definition, batch_id, " + SuspendedForeignKey.PARTS + ") SELECT t.relname, c.conname, "
            + "pg_get_constraintdef(c.oid), ?, " + COLUMN_NAMES.formatted("conkey", "conrelid") + ", rn.nspname, "
            + "r.relname, " + COLUMN_NAMES.formatted("confkey", "confrelid") + ", c.confmatchtype = 'f', "
            + "c.confupdtype, c.confdeltype, c.condeferrable, c.condeferred, c.convalidated" + KEYS + """
             ON CONFLICT (table_name, constraint_name) DO UPDATE
                SET definition = excluded.definition, batch_id = excluded.batch_id, suspended_at = now(),
                    columns = excluded.columns, referenced_schema = excluded.referenced_schema,
                    referenced_table = excluded.referenced_table, referenced_columns = excluded.referenced_columns,
                    match_full = excluded.match_full, on_update = excluded.on_update, on_delete = excluded.on_delete,
                    is_deferrable = excluded.is_deferrable, initially_deferred = excluded.initially_deferred,
                    validated = excluded.validated
            RETURNING table_name, constraint_name""";

    private ForeignKeys() {
    }

    /**
     * Drops the star schema's foreign keys, recording each, in a transaction of its own on the
     * given connection, which commits; returns false, having changed nothing, when the
     * connection's role does not own the star schema or the locks are not granted in time.
     */
    static boolean suspend(Connection connection, BatchId batch, Duration lockTimeout) throws SQLException {
        if (!ownsStarSchema(connection)) {
            LOG.infof("Load batch %s: the role %s does not own the star schema; it loads with its foreign keys "
                    + "in place (set WAREHOUSE_OWNER_USERNAME for bulk loads)", batch,
                    connection.getMetaData()
                            .getUserName());
            return false;
        }
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET LOCAL lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
            // Definitions with every table qualified, so that they read the same under any search_path
            statement.execute("SET LOCAL search_path = pg_catalog");
            String unrecordable = unrecordable(connection);
            if (unrecordable != null) {
                connection.rollback();
                LOG.infof("Load batch %s: the foreign keys %s have parts the load cannot record to add them back "
                        + "as they are (MATCH PARTIAL, or ON DELETE SET NULL or SET DEFAULT of some columns); it "
                        + "loads with its foreign keys in place", batch, unrecordable);
                return false;
            }
            List<String[]> keys = new ArrayList<>();
            try (PreparedStatement record = connection.prepareStatement(RECORD)) {
                record.setString(1, batch.value());
                record.setArray(2, tableNames(connection));
                try (ResultSet recorded = record.executeQuery()) {
                    while (recorded.next()) {
                        keys.add(new String[] {recorded.getString(1), recorded.getString(2)});
                    }
                }
            }
            for (String[] key : keys) {
                statement.execute("ALTER TABLE public." + identifier(key[0]) + " DROP CONSTRAINT "
                        + identifier(key[1]));
            }
            connection.commit();
            return true;
        } catch (SQLException e) {
            connection.rollback();
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                LOG.warnf("Load batch %s: the star schema's tables stayed locked by other sessions for longer than "
                        + "ETL_LOAD_LOCK_TIMEOUT (%s); it loads with its foreign keys in place", batch, lockTimeout);
                return false;
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** Whether any foreign key is dropped, waiting to be added again. */
    static boolean anySuspended(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement
                        .executeQuery("SELECT EXISTS (SELECT 1 FROM pipeline.suspended_foreign_key)")) {
            result.next();
            return result.getBoolean(1);
        }
    }

    /**
     * Adds back the foreign keys an earlier batch left dropped (a crash, a failure), in a
     * transaction of its own on the given connection, when its role owns the star schema.
     */
    static void restoreLeftovers(Connection connection) throws SQLException {
        if (!anySuspended(connection)) {
            return;
        }
        if (!ownsStarSchema(connection)) {
            LOG.warnf("Foreign keys of the star schema are dropped (pipeline.suspended_foreign_key), and the role %s "
                    + "cannot add them again; the next bulk batch does", connection.getMetaData().getUserName());
            return;
        }
        connection.setAutoCommit(false);
        try {
            int restored = ForeignKeyRestore.restore(connection);
            connection.commit();
            if (restored > 0) {
                LOG.infof("Added back %d foreign keys of the star schema that an earlier batch left dropped",
                        restored);
            }
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** The star schema's foreign keys whose parts the load cannot record, listed, or null when there are none. */
    private static String unrecordable(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT string_agg(t.relname || '.' || "
                + "c.conname, ', ' ORDER BY t.relname, c.conname)" + KEYS + " AND (c.confmatchtype = 'p' OR "
                + "to_jsonb(c) ->> 'confdelsetcols' IS NOT NULL)")) {
            statement.setArray(1, tableNames(connection));
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getString(1);
            }
        }
    }

    /** Whether the connection's role owns (or has the rights of the role that owns) every star schema table. */
    private static boolean ownsStarSchema(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT coalesce(bool_and(pg_has_role(t.relowner, 'USAGE')), false)
                  FROM pg_class t
                 WHERE t.relnamespace = 'public'::regnamespace AND t.relkind = 'r' AND t.relname = ANY (?)""")) {
            statement.setArray(1, tableNames(connection));
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    static Array tableNames(Connection connection) throws SQLException {
        return connection.createArrayOf("text",
                Arrays.stream(WarehouseTable.values()).map(WarehouseTable::tableName).toArray());
    }

    private static String identifier(String name) throws SQLException {
        return Utils.escapeIdentifier(new StringBuilder(), name).toString();
    }
}
