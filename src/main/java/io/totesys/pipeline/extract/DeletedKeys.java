package io.totesys.pipeline.extract;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.lake.csv.DeletedRows;
import io.totesys.pipeline.source.ChangeWindow;
import io.totesys.pipeline.source.SourceSnapshot;
import io.totesys.pipeline.source.StatisticsCounters;

/**
 * Finds the keys of a table's rows deleted since the previous batch: the keys the lake holds
 * as live that the batch's snapshot no longer has. The table is read for them only when its
 * deletion counter or its file ({@code TRUNCATE}) changed since the last published batch (or
 * cannot be trusted), and its keys
 * only when its row count says some are gone.
 */
@ApplicationScoped
public class DeletedKeys {

    private static final Logger LOG = Logger.getLogger(DeletedKeys.class);

    private final Map<SourceTable, StatisticsCounters.Deletions> countersChecked = new ConcurrentHashMap<>();
    private final AtomicBoolean countersTrusted = new AtomicBoolean(true);

    /** The table's deleted rows, once its changed rows are read; a repair batch's are the keys reconciliation found extra. */
    DeletedRows of(SourceTable table, ExtractBatch batch) {
        SourceSnapshot snapshot = batch.snapshot();
        ChangeWindow window = batch.window(table);
        SourceKeys held = batch.keys(table);
        if (batch.isRepair()) {
            SourceKeys extra = batch.repairing().extra(table);
            extra.forEach(held::remove);
            batch.checksums().deleted(table, extra);
            return new DeletedRows(table, extra, BatchManifest.sourceTimestamp(batch.databaseNow()));
        }
        StatisticsCounters.Deletions checked = countersChecked.get(table);
        boolean counterMoved = checked == null || !snapshot.deletions(table).equals(Optional.of(checked));
        boolean takingKeysIn = window.kind() == ChangeWindow.Kind.SINCE_WATERMARK;
        if (!takingKeysIn && (!counterMoved || snapshot.rowCount(table) == held.count())) {
            return new DeletedRows(table, SourceKeys.empty(), BatchManifest.sourceTimestamp(batch.highWater()));
        }
        SourceKeys present = snapshot.keys(table);
        SourceKeys unknown = present.without(held);
        if (!unknown.isEmpty() && !takingKeysIn) {
            LOG.warnf("%d keys of %s are in ToteSys but were never extracted (for example %d); they are taken in "
                    + "now, and reconciliation repairs their rows", unknown.count(), table.tableName(), first(unknown));
            batch.checksums().notExtracted(table, unknown);
        }
        unknown.forEach(held::add);
        SourceKeys deleted = held.without(present);
        deleted.forEach(held::remove);
        batch.checksums().deleted(table, deleted);
        return new DeletedRows(table, deleted, BatchManifest.sourceTimestamp(batch.highWater()));
    }

    /** Remembers the deletion counters a published batch saw: while they stay, no table is read for deletions. */
    void checked(ExtractBatch batch) {
        SourceSnapshot snapshot = batch.snapshot();
        boolean trusted = true;
        for (SourceTable table : batch.getTables()) {
            Optional<StatisticsCounters.Deletions> counter = snapshot.deletions(table);
            counter.ifPresentOrElse(value -> countersChecked.put(table, value), () -> countersChecked.remove(table));
            trusted &= counter.isPresent();
        }
        if (countersTrusted.getAndSet(trusted) != trusted) {
            LOG.info(trusted ? "ToteSys counts deletes again: a table is read for deletions only when its counter "
                    + "moves"
                    : "ToteSys's deletion counters cannot be trusted (track_counts is off for the reader, or set for "
                            + "a role or the database): each batch counts every table's rows to find deletions");
        }
    }

    private static int first(SourceKeys keys) {
        int[] first = new int[1];
        keys.forEach(key -> first[0] = first[0] == 0 ? key : first[0]);
        return first[0];
    }
}
