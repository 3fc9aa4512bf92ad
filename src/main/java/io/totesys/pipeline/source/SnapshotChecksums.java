package io.totesys.pipeline.source;

import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.RangeChecksum;

/**
 * What reconciliation reads of a {@link SourceSnapshot}: each key range's figures in one pass
 * over a table, then, where a range differs from the mirror's, each row's checksum, both
 * computed by ToteSys over the row's columns as the lake carries them (docs/architecture.md#reconciliation).
 */
public final class SnapshotChecksums {

    private final SourceSnapshot snapshot;
    private final CarriedColumns carried;
    private final TransactionSnapshot transactions;
    private final int fetchSize;

    SnapshotChecksums(SourceSnapshot snapshot, CarriedColumns carried, TransactionSnapshot transactions,
            int fetchSize) {
        this.snapshot = snapshot;
        this.carried = carried;
        this.transactions = transactions;
        this.fetchSize = fetchSize;
    }

    /**
     * Streams one key range of a table for reconciliation, in key order: each key, its row's
     * checksum, and whether its version is newer than the read horizon (the next batch reads it).
     */
    public void checksums(SourceTable table, ReadHorizon horizon, int firstKey, long keyAfter,
            ChecksumConsumer consumer) {
        List<SourceSchema.Column> checksummed = carriedColumns(table);
        streamKeyRange(table, TableQueries.checksumsQuery(table, checksummed, transactions.xmax(), horizon),
                firstKey, keyAfter,
                rows -> consumer.accept(rows.getInt(1), rows.getLong(2), rows.getBoolean(3)));
    }

    /**
     * The figures of each key range of a table that holds a row ({@link RangeChecksum}), in
     * range order, read in one pass over the table.
     */
    public List<RangeChecksum> rangeChecksums(SourceTable table) {
        List<SourceSchema.Column> checksummed = carriedColumns(table);
        return snapshot.read("reading the key ranges' checksums of " + table.tableName() + " failed", connection -> {
            List<RangeChecksum> ranges = new ArrayList<>();
            try (PreparedStatement statement = connection
                    .prepareStatement(TableQueries.rangeChecksumsQuery(table, checksummed));
                    ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ranges.add(new RangeChecksum(rows.getLong(1), rows.getLong(2), new BigInteger(rows.getString(3)),
                            rows.getLong(4)));
                }
            }
            return ranges;
        });
    }

    /**
     * Streams one key range of a table for the mirror's upgrade, in key order: each key, its
     * row's checksum as the mirror held it before release 26 (MD5, as text) and its checksum
     * now ({@link TableQueries#rebaseQuery}).
     */
    public void rebase(SourceTable table, int firstKey, long keyAfter, RebaseConsumer consumer) {
        List<SourceSchema.Column> checksummed = carriedColumns(table);
        streamKeyRange(table, TableQueries.rebaseQuery(table, checksummed), firstKey, keyAfter,
                rows -> consumer.accept(rows.getInt(1), rows.getString(2), rows.getLong(3)));
    }

    /**
     * Runs a query whose two parameters are a key range's first key and the key after it, in
     * the snapshot, and hands each row to {@code row}.
     */
    private void streamKeyRange(SourceTable table, String query, int firstKey, long keyAfter, RowHandler row) {
        snapshot.read("reading the row checksums of " + table.tableName() + " failed", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(query,
                    ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
                statement.setFetchSize(fetchSize);
                statement.setInt(1, firstKey);
                statement.setLong(2, keyAfter);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        row.handle(rows);
                    }
                }
                return null;
            }
        });
    }

    /** Takes one row of a result. */
    private interface RowHandler {
        void handle(ResultSet row) throws SQLException;
    }

    /**
     * What a row's checksum covers in this snapshot: the expression ToteSys computes it by,
     * which names the columns the star schema carries beyond the catalogue's.
     */
    public String checksumExpression(SourceTable table) {
        return TableQueries.checksum(table, carriedColumns(table));
    }

    /** The columns the star schema carries beyond the catalogue's that the table has in this snapshot. */
    private List<SourceSchema.Column> carriedColumns(SourceTable table) {
        return snapshot.schemas().get(table).carried(carried.of(table));
    }

    /** Takes a key's checksum as it was before release 26 and as it is now. */
    public interface RebaseConsumer {
        void accept(int key, String checksumBeforeRelease26, long checksum);
    }

    /** Takes a key's checksum as reconciliation reads it. */
    public interface ChecksumConsumer {
        void accept(int key, long checksum, boolean newerThanHorizon);
    }

}
