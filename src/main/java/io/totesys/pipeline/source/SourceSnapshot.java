package io.totesys.pipeline.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.mirror.RowChecksums;

/**
 * One consistent, read-only view of ToteSys that an extract batch reads all its tables
 * from: a REPEATABLE READ transaction, so that a sales order, its transaction and its
 * payment are seen as of the same instant, and so that the batch knows exactly which
 * transactions it sees: {@code pg_current_snapshot()} (docs/architecture.md#extract-what-a-batch-reads).
 * <p>
 * A row version belongs to the batch when the transaction that wrote it (its {@code xmin},
 * readable with plain SELECT) is visible in this snapshot but not in the previous batch's
 * read horizon, whatever its {@code last_updated} says: a transaction that was open for
 * minutes, an edit that kept its stamp, a writer with a skewed clock. Nothing here needs
 * more than SELECT on the tables.
 */
public final class SourceSnapshot implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SourceSnapshot.class);
    private static final String LIVE_ROWS = """
            SELECT ordinal, pg_stat_get_live_tuples(to_regclass(name))
              FROM unnest(?::text[]) WITH ORDINALITY AS t (name, ordinal)""";

    private final SnapshotConnections connections;
    private final int fetchSize;
    private final CarriedColumns carried;
    private final StatisticsCounters counters;
    private final TransactionSnapshot transactions;
    private final LocalDateTime databaseNow;
    private Map<SourceTable, SourceSchema> schemas;

    private SourceSnapshot(SnapshotConnections connections, int fetchSize, CarriedColumns carried,
            StatisticsCounters counters) throws SQLException {
        this.connections = connections;
        this.fetchSize = fetchSize;
        this.carried = carried;
        this.counters = counters;
        try (PreparedStatement statement = connections.first().prepareStatement(
                "SELECT pg_current_snapshot()::text, localtimestamp(3)");
                ResultSet snapshot = statement.executeQuery()) {
            snapshot.next();
            transactions = TransactionSnapshot.parse(snapshot.getString(1));
            databaseNow = snapshot.getObject(2, LocalDateTime.class);
        }
    }

    /**
     * Opens a snapshot on the given source; the caller closes it. The tables' statistics
     * counters are read first, outside the snapshot, so that any write they count is visible
     * in it. A row's checksum covers the columns the star schema carries beyond the
     * catalogue's ({@code carried}).
     */
    public static SourceSnapshot open(DataSource source, int fetchSize, CarriedColumns carried) {
        Connection connection = null;
        try {
            connection = source.getConnection();
            connection.setAutoCommit(true);
            StatisticsCounters counters = StatisticsCounters.read(connection);
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            return new SourceSnapshot(new SnapshotConnections(source, connection), fetchSize, carried, counters);
        } catch (RuntimeException | Error e) {
            closeQuietly(connection, e);
            throw e;
        } catch (SQLException e) {
            closeQuietly(connection, e);
            if ("42883".equals(e.getSQLState())) {
                throw new SourceReadException("ToteSys has no pg_current_snapshot(): the extractor needs "
                        + "PostgreSQL 13 or later", e);
            }
            throw new SourceReadException("opening a snapshot of ToteSys failed", e);
        }
    }

    /**
     * The columns each catalogue table has, read once in the snapshot's transaction. A column
     * dropped after this and before a table is read fails the batch, which the next poll
     * runs again with the columns as they are then.
     */
    public synchronized Map<SourceTable, SourceSchema> schemas() {
        if (schemas == null) {
            schemas = read("reading the columns of ToteSys's tables failed", SourceSchema::read);
        }
        return schemas;
    }

    /**
     * Lets a batch read up to {@code tables} tables at once, each on a connection of its own
     * in this same snapshot ({@link SnapshotConnections}); called before the first is read.
     */
    public void readTablesAtOnce(int tables) {
        connections.share(tables);
    }

    /**
     * The tables largest first, by the rows PostgreSQL's statistics counters say they hold
     * ({@code pg_stat_get_live_tuples}): the order in which to read tables side by side so that
     * they end together, as {@code pg_dump --jobs} orders its tables by size (the longest reads
     * first, the short ones filling in after them). The counters take no lock, where a size
     * ({@code pg_table_size}) would wait for any lock another session holds on a table, and
     * every other table with it; any role may read them. A table they say nothing of goes last.
     */
    public List<SourceTable> largestFirst(Collection<SourceTable> tables) {
        List<SourceTable> order = List.copyOf(tables);
        Map<SourceTable, Long> rows = read("reading the row counts of the tables to read failed", connection -> {
            Map<SourceTable, Long> found = new EnumMap<>(SourceTable.class);
            try (PreparedStatement statement = connection.prepareStatement(LIVE_ROWS)) {
                statement.setArray(1, connection.createArrayOf("text",
                        order.stream().map(SourceTable::qualifiedName).toArray()));
                try (ResultSet row = statement.executeQuery()) {
                    while (row.next()) {
                        Long live = (Long) row.getObject(2);
                        found.put(order.get(row.getInt(1) - 1), live == null ? -1L : live);
                    }
                }
            }
            return found;
        });
        return order.stream()
                .sorted(Comparator.comparing((SourceTable table) -> rows.getOrDefault(table, -1L)).reversed())
                .toList();
    }

    /** The database clock when the snapshot was taken, in the source's time zone. */
    public LocalDateTime databaseNow() {
        return databaseNow;
    }

    /** The transactions whose writes this snapshot sees. */
    public TransactionSnapshot transactions() {
        return transactions;
    }

    /**
     * The table's deletion counter and file ({@code TRUNCATE} gives it a new one) as read just
     * before the snapshot, empty when the server
     * keeps none or it cannot be trusted to count every delete: {@code track_counts} is off
     * for this session, or a role or the database has a setting of it ({@code ALTER ROLE
     * writer SET track_counts = off}: the writer's deletes would not move the counter while
     * this session says the server counts; {@code pg_db_role_setting} is readable by any
     * role). Without counters, each batch counts every table's rows instead
     * ({@code DeletedKeys}). An unchanged counter and file mean no row was deleted since they
     * were last read.
     */
    public Optional<StatisticsCounters.Deletions> deletions(SourceTable table) {
        return counters.of(table).map(StatisticsCounters.Table::deletions);
    }

    /** What the statistics said was written to ToteSys, read just before the snapshot. */
    public StatisticsCounters counters() {
        return counters;
    }

    /**
     * A table's row versions in the window, every column the table has ({@link SourceSchema}),
     * ready to be copied out as the lake's CSV; each key goes to the batch's {@link SourceKeys}
     * and each writing transaction at or above the snapshot's xmin to {@code transactionsRead}
     * as the rows are copied.
     */
    public ChangedRows changedRows(SourceSchema schema, ChangeWindow window, SourceKeys keys,
            Set<Long> transactionsRead, RowChecksums checksums) {
        SourceTable table = schema.table();
        if (window.wholeTable()) {
            checksums.readingWhole(table);
        }
        return new ChangedRows(table, schema, connections,
                TableQueries.changedRowsCopy(table, schema, carried.of(table), transactions.xmax(), window),
                keys, transactions.xmin(), transactionsRead, checksums);
    }

    /**
     * The rows of a table whose keys are given, as {@link #changedRows} copies them: what a
     * repair batch reads again.
     */
    public ChangedRows rowsWithKeys(SourceSchema schema, SourceKeys wanted, SourceKeys keys,
            RowChecksums checksums) {
        SourceTable table = schema.table();
        return new ChangedRows(table, schema, connections,
                TableQueries.rowsWithKeysCopy(table, schema, carried.of(table), transactions.xmax(), wanted.toArray()),
                keys, Long.MAX_VALUE, new HashSet<>(), checksums);
    }

    /** What reconciliation reads of this snapshot: the rows' checksums, by key range and key. */
    public SnapshotChecksums rowChecksums() {
        return new SnapshotChecksums(this, carried, transactions, fetchSize);
    }

    /** Takes one row of a query run in the snapshot. */
    public interface RowConsumer {
        void accept(ResultSet row) throws SQLException;
    }

    /**
     * Runs a query in the snapshot, its rows streamed to {@code consumer}: the comparison of the
     * warehouse's current views with what ToteSys says they must hold. The query names tables
     * and columns from the catalogue only, and takes its values as parameters.
     *
     * @param what what the query reads, for the message should it fail
     */
    public void query(String sql, List<?> parameters, String what, RowConsumer consumer) {
        read("reading " + what + " failed", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.CONCUR_READ_ONLY)) {
                statement.setFetchSize(fetchSize);
                for (int index = 0; index < parameters.size(); index++) {
                    statement.setObject(index + 1, parameters.get(index));
                }
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        consumer.accept(rows);
                    }
                }
                return null;
            }
        });
    }

    /** The transactions that wrote the row versions a batch reads from this snapshot. */
    public WritingTransactions writers() {
        return new WritingTransactions(this, transactions);
    }

    /** How many rows the table holds in this snapshot. */
    public long rowCount(SourceTable table) {
        return read("counting the rows of " + table.tableName() + " failed", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(TableQueries.countQuery(table));
                    ResultSet count = statement.executeQuery()) {
                count.next();
                return count.getLong(1);
            }
        });
    }

    /** Every key of the table in this snapshot, streamed. */
    public SourceKeys keys(SourceTable table) {
        return read("reading the keys of " + table.tableName() + " failed", connection -> {
            SourceKeys keys = SourceKeys.empty();
            try (PreparedStatement statement = connection.prepareStatement(TableQueries.keysQuery(table),
                    ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
                statement.setFetchSize(fetchSize);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        keys.add(rows.getInt(1));
                    }
                }
            }
            return keys;
        });
    }

    /** One read in the snapshot, on a connection of its own while it runs. */
    interface Read<T> {
        T on(Connection connection) throws SQLException;
    }

    <T> T read(String failure, Read<T> read) {
        try {
            Connection connection = connections.borrow();
            try {
                return read.on(connection);
            } finally {
                connections.giveBack(connection);
            }
        } catch (SQLException e) {
            throw new SourceReadException(failure, e);
        }
    }

    /** Releases the snapshot; closing it again does nothing. */
    @Override
    public void close() {
        connections.close();
    }

    private static void closeQuietly(AutoCloseable resource, Throwable failure) {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception closeFailure) {
                failure.addSuppressed(closeFailure);
            }
        }
    }
}
