package io.totesys.pipeline.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import javax.sql.DataSource;

import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

/**
 * The connections one snapshot of ToteSys is read through: the one that took it, and, once
 * the snapshot is shared ({@link #share}), up to {@code limit} in all, each in a transaction
 * of its own that imported it ({@code pg_export_snapshot()}, {@code SET TRANSACTION
 * SNAPSHOT}, as {@code pg_dump --jobs} does), so that two tables are read at once and the
 * batch still sees ToteSys as of one instant. A reader borrows a connection for one read and
 * gives it back; with every connection busy it waits for one.
 */
final class SnapshotConnections {

    private static final Logger LOG = Logger.getLogger(SnapshotConnections.class);

    private final DataSource source;
    private final Connection first;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private final List<Connection> opened = new ArrayList<>();
    private int limit = 1;
    private String exported;
    private boolean closed;

    /** The connection that took the snapshot, in its REPEATABLE READ transaction. */
    SnapshotConnections(DataSource source, Connection first) {
        this.source = source;
        this.first = first;
        this.opened.add(first);
        this.idle.add(first);
    }

    /** The connection that took the snapshot, before any reader borrows one. */
    Connection first() {
        return first;
    }

    /**
     * Lets up to {@code readers} connections read the snapshot at once: exports it from the
     * first connection, which must be idle (every PostgreSQL the extractor reads, 13 and later,
     * exports snapshots, a standby's too).
     */
    synchronized void share(int readers) {
        if (readers > 1 && exported == null) {
            try (PreparedStatement statement = first.prepareStatement("SELECT pg_export_snapshot()");
                    ResultSet snapshot = statement.executeQuery()) {
                snapshot.next();
                exported = snapshot.getString(1);
            } catch (SQLException e) {
                throw new SourceReadException("sharing the snapshot of ToteSys between connections failed; "
                        + "ETL_EXTRACT_PARALLEL_TABLES=1 reads the tables one after another on one connection", e);
            }
        }
        limit = Math.max(limit, readers);
    }

    /** A connection in the snapshot, the caller's alone until it {@link #giveBack gives it back}. */
    synchronized Connection borrow() throws SQLException {
        while (true) {
            if (closed) {
                throw new SQLException("the snapshot of ToteSys is closed: its batch has ended", "08003");
            }
            if (!idle.isEmpty()) {
                return idle.pop();
            }
            if (opened.size() < limit) {
                Connection reader = importing();
                opened.add(reader);
                return reader;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for a connection to the snapshot of ToteSys", e);
            }
        }
    }

    /** Takes back a borrowed connection; one borrowed when the snapshot closed is closed now. */
    synchronized void giveBack(Connection connection) {
        if (closed) {
            release(connection);
            return;
        }
        idle.push(connection);
        notifyAll();
    }

    /**
     * Releases every connection: the idle ones now, a busy one's read cancelled so that its
     * reader gives it back at once, to be released then.
     */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Connection connection : opened) {
            if (idle.contains(connection)) {
                release(connection);
            } else {
                cancel(connection);
            }
        }
        idle.clear();
        notifyAll();
    }

    /** A new connection whose transaction reads the exported snapshot. */
    private Connection importing() throws SQLException {
        Connection connection = source.getConnection();
        try {
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (PreparedStatement statement = connection
                    .prepareStatement("SET TRANSACTION SNAPSHOT '" + exported.replace("'", "''") + "'")) {
                statement.execute();
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            release(connection);
            throw e;
        }
    }

    private static void cancel(Connection connection) {
        try {
            connection.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            LOG.debugf(e, "cancelling a read of the ToteSys snapshot failed");
        }
    }

    private static void release(Connection connection) {
        try {
            if (connection.isClosed()) {
                return;
            }
        } catch (SQLException e) {
            LOG.debugf(e, "checking a connection to the ToteSys snapshot failed");
        }
        try (connection) {
            connection.rollback();
        } catch (SQLException e) {
            LOG.debugf(e, "closing a connection to the ToteSys snapshot failed");
        }
    }
}
