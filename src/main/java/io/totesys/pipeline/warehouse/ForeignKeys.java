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
 * loads the batch. The facts' missing dimension members are found set-wise already (the
 * inferred members), so the validation finds nothing; if it did, the batch would roll back.
 * <p>
 * Locks: dropping takes an {@code ACCESS EXCLUSIVE} lock on each fact table and the dimensions
 * it refers to, in a transaction of its own that commits at once, after waiting at most
 * {@code ETL_LOAD_LOCK_TIMEOUT}; adding takes {@code SHARE ROW EXCLUSIVE}, which readers do not
 * wait for. Each dropped key is recorded in {@code pipeline.suspended_foreign_key} in the
 * transaction that drops it and removed in the one that adds it: whatever a crash or a failed
 * batch leaves there is added back by the next load.
 */
final class ForeignKeys {

    private static final Logger LOG = Logger.getLogger(ForeignKeys.class);
    private static final String LOCK_NOT_AVAILABLE = "55P03";

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
            List<String[]> keys = declared(connection);
            try (PreparedStatement record = connection.prepareStatement("""
                    INSERT INTO pipeline.suspended_foreign_key (table_name, constraint_name, definition, batch_id)
                    VALUES (?, ?, ?, ?)
                    ON CONFLICT (table_name, constraint_name) DO UPDATE
                       SET definition = excluded.definition, batch_id = excluded.batch_id, suspended_at = now()""")) {
                for (String[] key : keys) {
                    record.setString(1, key[0]);
                    record.setString(2, key[1]);
                    record.setString(3, key[2]);
                    record.setString(4, batch.value());
                    record.addBatch();
                }
                record.executeBatch();
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
     * Adds every recorded foreign key again, each validated at once, set-wise, in the
     * connection's transaction; returns how many. The caller commits.
     */
    static int restore(Connection connection) throws SQLException {
        List<String[]> keys = new ArrayList<>();
        try (Statement statement = connection.createStatement()) {
            try (ResultSet result = statement.executeQuery("""
                    SELECT table_name, constraint_name, definition FROM pipeline.suspended_foreign_key
                     ORDER BY table_name, constraint_name""")) {
                while (result.next()) {
                    keys.add(new String[] {result.getString(1), result.getString(2), result.getString(3)});
                }
            }
            for (String[] key : keys) {
                statement.execute("ALTER TABLE public." + identifier(key[0]) + " ADD CONSTRAINT "
                        + identifier(key[1]) + " " + key[2]);
            }
            statement.execute("DELETE FROM pipeline.suspended_foreign_key");
        }
        return keys.size();
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
            int restored = restore(connection);
            connection.commit();
            LOG.infof("Added back %d foreign keys of the star schema that an earlier batch left dropped", restored);
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static List<String[]> declared(Connection connection) throws SQLException {
        List<String[]> keys = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
                  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                 WHERE c.contype = 'f' AND t.relnamespace = 'public'::regnamespace AND t.relname = ANY (?)
                 ORDER BY t.relname, c.conname""")) {
            statement.setArray(1, tableNames(connection));
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    keys.add(new String[] {result.getString(1), result.getString(2), result.getString(3)});
                }
            }
        }
        return keys;
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

    private static Array tableNames(Connection connection) throws SQLException {
        return connection.createArrayOf("text",
                Arrays.stream(WarehouseTable.values()).map(WarehouseTable::tableName).toArray());
    }

    private static String identifier(String name) throws SQLException {
        return Utils.escapeIdentifier(new StringBuilder(), name).toString();
    }
}
