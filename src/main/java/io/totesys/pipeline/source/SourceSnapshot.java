package io.totesys.pipeline.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

/**
 * One consistent, read-only view of ToteSys that an extract batch reads all its tables
 * from: a REPEATABLE READ transaction, so that a sales order, its transaction and its
 * payment are seen as of the same instant.
 * <p>
 * It also fixes the batch's upper bound on {@code last_updated}, the high-water mark
 * (SPEC section 4). The bound is the database's own clock less a safety margin, and
 * never later than the start of the oldest transaction still open in the database: a
 * row that such a transaction writes carries a {@code last_updated} at or after its
 * start, and is read by a later batch once it commits. Seeing other sessions'
 * transactions needs the read-only {@code pg_read_all_stats} role; without it the
 * safety margin alone protects against late commits.
 */
public final class SourceSnapshot implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SourceSnapshot.class);

    private static final String HIGH_WATER_QUERY = """
            SELECT localtimestamp(3),
                   localtimestamp(3) - make_interval(secs => ?),
                   (SELECT min(xact_start)::timestamp(3)
                      FROM pg_stat_activity
                     WHERE datname = current_database()
                       AND pid <> pg_backend_pid()
                       AND backend_type = 'client backend'
                       AND xact_start IS NOT NULL)
            """;

    private final Connection connection;
    private final int fetchSize;
    private final LocalDateTime databaseNow;
    private final LocalDateTime highWater;

    private SourceSnapshot(Connection connection, int fetchSize, Duration safetyMargin) throws SQLException {
        this.connection = connection;
        this.fetchSize = fetchSize;
        try (PreparedStatement statement = connection.prepareStatement(HIGH_WATER_QUERY)) {
            statement.setDouble(1, safetyMargin.toMillis() / 1000.0);
            try (ResultSet bounds = statement.executeQuery()) {
                bounds.next();
                databaseNow = bounds.getObject(1, LocalDateTime.class);
                LocalDateTime marginBound = bounds.getObject(2, LocalDateTime.class);
                LocalDateTime oldestOpenTransaction = bounds.getObject(3, LocalDateTime.class);
                if (oldestOpenTransaction != null && oldestOpenTransaction.isBefore(marginBound)) {
                    LOG.debugf("an open ToteSys transaction since %s holds the high-water mark back",
                            oldestOpenTransaction);
                    highWater = oldestOpenTransaction;
                } else {
                    highWater = marginBound;
                }
            }
        }
    }

    /** Opens a snapshot on the given source; the caller closes it. */
    public static SourceSnapshot open(DataSource source, int fetchSize, Duration safetyMargin) {
        Connection connection = null;
        try {
            connection = source.getConnection();
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            return new SourceSnapshot(connection, fetchSize, safetyMargin);
        } catch (SQLException e) {
            closeQuietly(connection, e);
            throw new SourceReadException("opening a snapshot of ToteSys failed", e);
        }
    }

    /** The database clock when the snapshot was taken, in the source's time zone. */
    public LocalDateTime databaseNow() {
        return databaseNow;
    }

    /** The exclusive upper bound on {@code last_updated} for this batch. */
    public LocalDateTime highWater() {
        return highWater;
    }

    /** Streams the rows of a table whose {@code last_updated} falls in the window. */
    public ChangedRows changedRows(SourceTable table, ChangeWindow window) {
        PreparedStatement statement = null;
        try {
            statement = connection.prepareStatement(table.changedRowsQuery(!window.wholeTable()),
                    ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            statement.setFetchSize(fetchSize);
            statement.setObject(1, window.to());
            if (!window.wholeTable()) {
                statement.setObject(2, window.from());
            }
            return new ChangedRows(table, statement, statement.executeQuery());
        } catch (SQLException e) {
            closeQuietly(statement, e);
            throw new SourceReadException("reading changed rows of " + table.tableName() + " failed", e);
        }
    }

    @Override
    public void close() {
        try (connection) {
            connection.rollback();
        } catch (SQLException e) {
            LOG.debugf(e, "closing the ToteSys snapshot failed");
        }
    }

    private static void closeQuietly(AutoCloseable resource, Exception failure) {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception closeFailure) {
                failure.addSuppressed(closeFailure);
            }
        }
    }
}
