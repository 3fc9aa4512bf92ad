package io.totesys.pipeline.currentviews;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.ExchangeProperty;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.reconcile.ReconcileLog;
import io.totesys.pipeline.reconcile.Reconciliation;
import io.totesys.pipeline.reconcile.ViewOutcome;
import io.totesys.pipeline.source.SourceSnapshot;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStateException;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The step of a reconciliation that compares what users query, the warehouse's current views,
 * with what ToteSys says they must hold (issue 25 point 3; the {@code compare-current-views}
 * step of {@code routes/extract.camel.yaml}), after the ToteSys tables were compared with the
 * lake and before the repair batch is written.
 * <p>
 * The warehouse is derived from the lake, batch by batch, so it can only be held to ToteSys
 * once it has loaded every batch the extract published: the step waits for the load, at most
 * {@code ETL_RECONCILE_WAREHOUSE_WAIT}, with the extract stage's lock held, so no new batch comes
 * meanwhile; while batches still wait, the views are not compared in this run, and the INFO line
 * says so. Then, per view ({@link CurrentView}), the two servers each sum the hashes of their
 * rows per range of 65,536 keys in one statement, and only the ranges whose sums differ are read
 * row by row from both sides, their keys and hashes, so that the cost on either side is one pass
 * over the view's rows in SQL, plus the ranges that differ. A key counts only where the lake
 * holds ToteSys's row as it is ({@link Reconciliation#settledInTheLake}): rows written since the
 * read horizon, rows the lake itself lacks or holds otherwise (the repair batch reads them
 * anyway), and rows held only in quarantine are left out. A row the view lacks is missing, one
 * it holds that ToteSys lacks extra, one it holds otherwise changed; the repair batch reads the
 * missing and changed rows again and records the extra keys as deleted, so that the transform
 * and the load put the views right as for any batch.
 */
@ApplicationScoped
@Named("currentViews")
public class CurrentViewComparison {

    private static final Logger LOG = Logger.getLogger(CurrentViewComparison.class);
    private static final int KEY_RANGE = 1 << SourceKeys.RANGE_BITS;
    private static final Duration WAIT_STEP = Duration.ofMillis(250);

    /** Published extract batches the load has not loaded yet, apart from those waiting in quarantine. */
    static final String BATCHES_NOT_LOADED = """
            SELECT count(*) FROM pipeline.extract_batch e
             WHERE e.status = 'PUBLISHED'
               AND e.batch_id > coalesce((SELECT max(batch_id) FROM pipeline.load_batch), '')
               AND NOT EXISTS (SELECT 1 FROM pipeline.quarantined_batch q
                                WHERE q.batch_id = e.batch_id AND q.replayed_at IS NULL)""";

    /** A range's rows and the sum of their hashes' first 64 bits. */
    private record RangeSum(long rows, String hashes) {
    }

    /** A row of a key range: its hash, and the key of the row it joins ({@code null}: none). */
    private record RowHash(String hash, Integer partnerKey) {
    }

    /** What comparing a view found, and how many of its rows differed but were left as not settled in the lake. */
    private record Compared(ViewOutcome outcome, long unsettled) {
    }

    private final AgroalDataSource warehouse;
    private final ReconcileLog log;
    private final PipelineMetrics metrics;
    private final Duration wait;
    private final ViewsFoundEqual foundEqual;

    CurrentViewComparison(AgroalDataSource warehouse, ReconcileLog log, PipelineMetrics metrics,
            PipelineSettings settings, ViewsFoundEqual foundEqual) {
        this.warehouse = warehouse;
        this.log = log;
        this.metrics = metrics;
        this.foundEqual = foundEqual;
        // run once, the load comes after the reconciliation: there is nothing to wait for
        this.wait = settings.runOnce() ? Duration.ZERO : settings.reconcileWarehouseWait();
    }

    /**
     * Compares each current view whose ToteSys tables the run compared with the lake, unless
     * neither server changed it since a run found it to hold what ToteSys says
     * ({@link ViewsFoundEqual}), and plans their repair.
     */
    public void compare(@ExchangeProperty(Reconciliation.PROPERTY) Reconciliation reconciliation) {
        if (reconciliation.getTables().isEmpty()) {
            return;
        }
        long waiting = batchesNotLoaded();
        if (waiting > 0) {
            foundEqual.forgetAll();
            reconciliation.viewsNotCompared("%d published batch%s not loaded yet after %d s; the next run compares them"
                    .formatted(waiting, waiting == 1 ? " is" : "es are", wait.toSeconds()));
            return;
        }
        long start = System.nanoTime();
        try (Connection connection = warehouse.getConnection()) {
            ViewInputs inputs = ViewInputs.read(connection, CurrentView.ALL); // before the comparison's snapshot
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                for (CurrentView view : CurrentView.ALL) {
                    WarehouseTable table = view.table();
                    if (view.toteSysTables().stream().allMatch(reconciliation::comparedWithTheLake)) {
                        Optional<ViewsFoundEqual.Sides> sides = ViewsFoundEqual.sides(view,
                                reconciliation.snapshot().counters(), inputs);
                        ViewOutcome outcome;
                        if (view.toteSysTables().stream().allMatch(reconciliation::leftUnread)
                                && foundEqual.unchanged(table, sides)) {
                            outcome = ViewOutcome.notRead(table.tableName());
                        } else {
                            Compared compared = compared(view, connection, reconciliation);
                            outcome = compared.outcome();
                            foundEqual.compared(table, sides, outcome.differences() == 0 && compared.unsettled() == 0,
                                    reconciliation.startedAt());
                        }
                        reconciliation.foundInTheWarehouse(outcome);
                        log.foundInTheWarehouse(reconciliation, outcome);
                        metrics.reconcileViewDifferences(table.tableName(), outcome.differences());
                    }
                }
                reconciliation.viewsComparedIn(Duration.ofNanos(System.nanoTime() - start));
            } finally {
                connection.rollback();
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new PipelineStateException("comparing the warehouse's current views with ToteSys failed", e);
        }
    }

    private Compared compared(CurrentView view, Connection connection,
            Reconciliation reconciliation) {
        try {
            return compare(view, connection, reconciliation);
        } catch (SQLException e) {
            throw new PipelineStateException("comparing the warehouse's " + view.viewName() + " with ToteSys failed",
                    e);
        }
    }

    private Compared compare(CurrentView view, Connection connection,
            Reconciliation reconciliation) throws SQLException {
        SourceSnapshot snapshot = reconciliation.snapshot();
        Set<String> viewColumns = viewColumns(view, connection);
        String expectedRows = view.expectedRows(viewColumns, snapshot.schemas());
        String currentRows = view.currentRows(viewColumns);
        long start = System.nanoTime();
        Map<Integer, RangeSum> expected = new HashMap<>();
        snapshot.query(CurrentView.rangeSums(expectedRows), List.of(), "the rows of " + view.table().tableName()
                + " as ToteSys has them",
                row -> expected.put(row.getInt(1), new RangeSum(row.getLong(2), row.getString(3))));
        long toteSysSummed = System.nanoTime();
        Map<Integer, RangeSum> current = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(CurrentView.rangeSums(currentRows));
                ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                current.put(row.getInt(1), new RangeSum(row.getLong(2), row.getString(3)));
            }
        }
        long bothSummed = System.nanoTime();
        long compared = current.values().stream().mapToLong(RangeSum::rows).sum();
        long[] found = new long[4];
        long rangesRead = 0;
        TreeSet<Integer> ranges = new TreeSet<>(expected.keySet());
        ranges.addAll(current.keySet());
        for (int range : ranges) {
            if (!Objects.equals(expected.get(range), current.get(range))) {
                rangesRead++;
                compareRange(view, range, expectedRows, currentRows, connection, reconciliation, found);
            }
        }
        LOG.debugf("%s: sums per key range in %d ms by ToteSys, %d ms by the warehouse; %d ranges read row by row in "
                + "%d ms", view.table().tableName(), (toteSysSummed - start) / 1_000_000,
                (bothSummed - toteSysSummed) / 1_000_000, rangesRead, (System.nanoTime() - bothSummed) / 1_000_000);
        return new Compared(new ViewOutcome(view.table().tableName(), compared, found[0], found[1], found[2],
                rangesRead, false), found[3]);
    }

    /** Reads one key range from both sides, row by row, and plans the repair of each difference. */
    private void compareRange(CurrentView view, int range, String expectedRows, String currentRows,
            Connection connection, Reconciliation reconciliation, long[] found) throws SQLException {
        int first = range * KEY_RANGE;
        long after = (long) first + KEY_RANGE;
        Map<Integer, RowHash> expected = new HashMap<>();
        reconciliation.snapshot().query(CurrentView.rowsOfRange(expectedRows), List.of(first, after),
                "a key range of " + view.table().tableName() + " as ToteSys has it",
                row -> expected.put(row.getInt(1), new RowHash(row.getString(2), (Integer) row.getObject(3))));
        Map<Integer, String> current = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(CurrentView.rowsOfRange(currentRows))) {
            statement.setInt(1, first);
            statement.setLong(2, after);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    current.put(row.getInt(1), row.getString(2));
                }
            }
        }
        TreeSet<Integer> keys = new TreeSet<>(expected.keySet());
        keys.addAll(current.keySet());
        for (int key : keys) {
            RowHash wanted = expected.get(key);
            String held = current.get(key);
            if (wanted != null && wanted.hash().equals(held)) {
                continue;
            }
            if (!reconciliation.settledInTheLake(view.source(), key) || wanted != null && wanted.partnerKey() != null
                    && !reconciliation.settledInTheLake(view.partner(), wanted.partnerKey())) {
                found[3]++;
                continue;
            }
            if (held == null) {
                found[0]++;
                reconciliation.readAgainForTheWarehouse(view.source(), key);
            } else if (wanted == null) {
                found[1]++;
                reconciliation.deleteForTheWarehouse(view.source(), key);
            } else {
                found[2]++;
                reconciliation.readAgainForTheWarehouse(view.source(), key);
            }
        }
    }

    /** The columns the view has in the warehouse. */
    private static Set<String> viewColumns(CurrentView view, Connection connection) throws SQLException {
        Set<String> columns = new HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT attname FROM pg_catalog.pg_attribute
                 WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped""")) {
            statement.setString(1, view.viewName());
            try (ResultSet column = statement.executeQuery()) {
                while (column.next()) {
                    columns.add(column.getString(1));
                }
            }
        }
        return columns;
    }

    /** Published batches the load has not loaded yet, once they are all loaded or the wait is over. */
    private long batchesNotLoaded() {
        long deadline = System.nanoTime() + wait.toNanos();
        try (Connection connection = warehouse.getConnection()) {
            while (true) {
                long waiting;
                try (PreparedStatement statement = connection.prepareStatement(BATCHES_NOT_LOADED);
                        ResultSet count = statement.executeQuery()) {
                    count.next();
                    waiting = count.getLong(1);
                }
                if (waiting == 0 || System.nanoTime() - deadline >= 0) {
                    return waiting;
                }
                Thread.sleep(WAIT_STEP.toMillis());
            }
        } catch (SQLException e) {
            throw new PipelineStateException("reading which batches the load has not loaded yet failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipelineStateException("waiting for the load before comparing the current views was cut short",
                    e);
        }
    }
}
