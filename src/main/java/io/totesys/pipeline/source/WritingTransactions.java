package io.totesys.pipeline.source;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Set;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * The transactions whose row versions an extract batch reads from its {@link SourceSnapshot}:
 * those of a table read by its watermark, and which of them have ended, so that the batch's
 * read horizon moves past them ({@link ReadHorizon#after}).
 */
public final class WritingTransactions {

    private final SourceSnapshot snapshot;
    private final TransactionSnapshot transactions;

    WritingTransactions(SourceSnapshot snapshot, TransactionSnapshot transactions) {
        this.snapshot = snapshot;
        this.transactions = transactions;
    }

    /**
     * The transactions at or above the snapshot's xmin that wrote the table's row versions:
     * for a table read by its watermark, which reads only some of them.
     */
    public Set<Long> recent(SourceTable table) {
        return snapshot.read("reading the recent transactions of " + table.tableName() + " failed", connection -> {
            Set<Long> recent = new HashSet<>();
            try (PreparedStatement statement = connection
                    .prepareStatement(TableQueries.recentTransactionsQuery(table))) {
                long lastVisible = transactions.xmax() - 1;
                statement.setLong(1, lastVisible);
                statement.setLong(2, lastVisible % TransactionSnapshot.XID_SPACE);
                statement.setString(3, Long.toString(transactions.xmin() % TransactionSnapshot.XID_SPACE));
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        recent.add(rows.getLong(1));
                    }
                }
            }
            return recent;
        });
    }

    /**
     * Of the transactions a batch found writing the row versions it read, at or above the
     * snapshot's xmin, those that may join the read horizon: all but the ones still in
     * progress. A row frozen by VACUUM keeps its 32-bit {@code xmin}; once the counter has come
     * round to those bits again, the row looks written by whichever transaction holds them
     * now, perhaps one still open, whose own writes this snapshot does not see.
     * {@link ReadHorizon#after} leaves out those the snapshot lists as open; this leaves out
     * the subtransactions of an open transaction too (a savepoint, a PL/pgSQL exception
     * block), which {@code pg_current_snapshot()} does not list: {@code pg_xact_status},
     * which any role may call, says they are in progress. One whose transaction commits
     * between the snapshot and this question counts as ended: should a frozen row share its
     * bits, its rows wait for reconciliation.
     */
    public Set<Long> ended(Set<Long> writers) {
        Long[] candidates = writers.stream().filter(xid -> xid >= transactions.xmin() && transactions.isVisible(xid))
                .toArray(Long[]::new);
        if (candidates.length == 0) {
            return writers;
        }
        return snapshot.read("asking ToteSys which transactions are still in progress failed", connection -> {
            Set<Long> ended = new HashSet<>(writers);
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT xid FROM unnest(?::bigint[]) AS xid WHERE pg_xact_status(xid::text::xid8) = 'in progress'")) {
                statement.setArray(1, connection.createArrayOf("bigint", candidates));
                try (ResultSet open = statement.executeQuery()) {
                    while (open.next()) {
                        ended.remove(open.getLong(1));
                    }
                }
            }
            return ended;
        });
    }
}
