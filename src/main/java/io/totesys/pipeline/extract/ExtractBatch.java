package io.totesys.pipeline.extract;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.SynchronizationAdapter;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.mirror.RowChecksums;
import io.totesys.pipeline.schemadrift.SchemaChanges;
import io.totesys.pipeline.source.ChangeWindow;
import io.totesys.pipeline.source.ReadHorizon;
import io.totesys.pipeline.source.SourceSchema;
import io.totesys.pipeline.source.SourceSnapshot;
import io.totesys.pipeline.stage.BatchFailure;

/**
 * One extract batch while it runs: its id, the snapshot it reads, each table's window, the
 * keys the lake will hold as live once it is published, the checksums of the rows it read,
 * the transactions whose row versions it read, and the objects written so far (changed rows
 * and deletions); for a repair batch, the reconciliation it repairs for. It lives in the
 * exchange property {@code extractBatch} and, as a {@link Synchronization} of the exchange,
 * releases its snapshot when the exchange completes and undoes its writes when it fails.
 */
public final class ExtractBatch extends SynchronizationAdapter {

    /** What becomes of a batch whose exchange failed. */
    interface FailureHandler {
        void undo(ExtractBatch batch);
    }

    private final BatchId id;
    private final Instant startedAt;
    private final SourceSnapshot snapshot;
    private final Map<SourceTable, ChangeWindow> windows;
    private final List<SourceTable> readingOrder;
    private final Map<SourceTable, SourceSchema> schemas;
    private final Set<SourceTable> held;
    private final Set<SourceTable> unchanged;
    private final Map<SourceTable, SourceKeys> keys;
    private final FailureHandler failureHandler;
    private final RowChecksums checksums;
    private final RepairPlan repairing;
    private final Set<Long> transactionsRead = ConcurrentHashMap.newKeySet();
    private final Map<SourceTable, BatchManifest.Entry> objects = new EnumMap<>(SourceTable.class);
    private final Map<SourceTable, BatchManifest.Entry> deletions = new EnumMap<>(SourceTable.class);
    private boolean recordedAsStarted;

    ExtractBatch(BatchId id, Instant startedAt, SourceSnapshot snapshot, Map<SourceTable, ChangeWindow> windows,
            List<SourceTable> readingOrder, Set<SourceTable> unchanged, Map<SourceTable, SourceSchema> schemas,
            Map<SourceTable, SourceKeys> keys,
            FailureHandler failureHandler, RowChecksums checksums, RepairPlan repairing) {
        this.id = id;
        this.startedAt = startedAt;
        this.snapshot = snapshot;
        this.windows = windows;
        this.readingOrder = List.copyOf(readingOrder);
        this.schemas = schemas;
        this.held = EnumSet.allOf(SourceTable.class);
        this.unchanged = unchanged.isEmpty() ? EnumSet.noneOf(SourceTable.class) : EnumSet.copyOf(unchanged);
        if (repairing == null) {
            this.held.removeAll(windows.keySet());
            this.held.removeAll(unchanged);
        } else {
            this.held.clear();
        }
        this.keys = keys;
        this.failureHandler = failureHandler;
        this.checksums = checksums;
        this.repairing = repairing;
    }

    /**
     * Whether this is a repair batch: it reads again the rows a reconciliation found different
     * and records the keys it found extra as deleted, from the reconciliation's snapshot, and
     * leaves the watermarks where they are.
     */
    public boolean isRepair() {
        return repairing != null;
    }

    /** The reconciliation a repair batch repairs for, or {@code null}. */
    RepairPlan repairing() {
        return repairing;
    }

    /** Where the checksums of the rows this batch reads go. */
    RowChecksums checksums() {
        return checksums;
    }

    public BatchId getId() {
        return id;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /**
     * The tables this batch does not read, because a column the star schema needs is missing
     * or retyped ({@link SchemaChanges}): their read horizons stay where they are. A repair
     * batch holds none: it reads only the tables it repairs and moves no read horizon.
     */
    Set<SourceTable> held() {
        return Collections.unmodifiableSet(held);
    }

    /**
     * The tables this batch does not read because PostgreSQL's statistics counters say nobody
     * wrote to them since they were last read ({@link UnchangedTables}): their read horizons
     * stay where they are, so that a write whose counter is late is read by a later batch;
     * their watermarks' times move on, to {@link UnchangedTables#SETTLING} before the batch's.
     */
    Set<SourceTable> unchanged() {
        return Collections.unmodifiableSet(unchanged);
    }

    /** The columns the table has in the batch's snapshot, as the lake carries them. */
    SourceSchema schema(SourceTable table) {
        return schemas.get(table);
    }

    /** The columns of each table the batch reads, as its manifest records them. */
    List<BatchManifest.TableSchema> manifestSchemas() {
        return windows.keySet().stream().map(table -> schemas.get(table).manifestSchema()).toList();
    }

    /** The tables this batch reads, in the order it reads them: all but those held and those unchanged. */
    public List<SourceTable> getTables() {
        return readingOrder;
    }

    /**
     * The source time of the batch's snapshot: it holds every change committed before it. A
     * repair batch holds only the rows it repairs: the time the lake held every change up to
     * stays the previous batch's.
     */
    public LocalDateTime highWater() {
        if (repairing != null) {
            return windows.values().stream().map(ChangeWindow::from).filter(from -> from != null).findFirst()
                    .orElse(snapshot.databaseNow());
        }
        return snapshot.databaseNow();
    }

    /**
     * The source time the batch's changes start after: the earliest position its tables were
     * read from (where the previous batch, or poll without changes, left them), or
     * {@code null} when it reads every table whole. Until the batch is loaded, the warehouse
     * holds every change up to there ({@code Freshness}).
     */
    LocalDateTime lowWater() {
        return windows.values().stream().map(ChangeWindow::from).filter(from -> from != null)
                .min(Comparator.naturalOrder()).orElse(null);
    }

    public LocalDateTime databaseNow() {
        return snapshot.databaseNow();
    }

    ChangeWindow window(SourceTable table) {
        return windows.get(table);
    }

    /** The tables this batch reads whole (the first batch, a backfill); none for a repair batch. */
    Set<SourceTable> wholeTables() {
        Set<SourceTable> whole = EnumSet.noneOf(SourceTable.class);
        if (repairing == null) {
            windows.forEach((table, window) -> {
                if (window.wholeTable()) {
                    whole.add(table);
                }
            });
        }
        return whole;
    }

    SourceSnapshot snapshot() {
        return snapshot;
    }

    /** The keys of the table the lake holds as live, with what this batch read and found deleted. */
    SourceKeys keys(SourceTable table) {
        return keys.get(table);
    }

    Map<SourceTable, SourceKeys> keys() {
        return keys;
    }

    /** The transactions, from the snapshot's xmin up, whose row versions this batch read. */
    Set<Long> transactionsRead() {
        return transactionsRead;
    }

    /**
     * The read horizon once this batch is published: the previous one (the same for every
     * table but a whole-table read, or one that resumes after a hold: then the newest) moved
     * on by what the batch read, of the transactions that had ended
     * ({@link io.totesys.pipeline.source.WritingTransactions#ended}). A table that resumes reads every change since its own
     * older horizon, so the newest one holds for it too.
     */
    ReadHorizon readHorizon() {
        if (repairing != null) {
            return previousHorizon();
        }
        return ReadHorizon.after(snapshot.transactions(), previousHorizon(),
                snapshot.writers().ended(transactionsRead));
    }

    /** The read horizon the batch reads changes since, as text; {@code null} when it has none. */
    String changesSince() {
        ReadHorizon previous = previousHorizon();
        return previous == null ? null : previous.toString();
    }

    private ReadHorizon previousHorizon() {
        return windows.values().stream().map(ChangeWindow::since).filter(since -> since != null)
                .max(Comparator.comparingLong(ReadHorizon::xmax)).orElse(null);
    }

    /** Whether no table had a changed or a deleted row: such a batch writes nothing to the lake. */
    public synchronized boolean isEmpty() {
        return objects.isEmpty() && deletions.isEmpty();
    }

    /** In catalogue order, whichever table was read first. */
    public synchronized List<BatchManifest.Entry> objects() {
        return List.copyOf(objects.values());
    }

    public synchronized List<BatchManifest.Entry> deletions() {
        return List.copyOf(deletions.values());
    }

    public long rowCount() {
        return objects().stream().mapToLong(BatchManifest.Entry::rows).sum();
    }

    public long deletedCount() {
        return deletions().stream().mapToLong(BatchManifest.Entry::rows).sum();
    }

    /** An object written for the table; tables read at once add theirs side by side. */
    synchronized void added(SourceTable table, BatchManifest.Entry entry, boolean deletion) {
        (deletion ? deletions : objects).put(table, entry);
    }

    synchronized boolean recordedAsStarted() {
        return recordedAsStarted;
    }

    /**
     * Runs {@code record} unless the batch is recorded as started already: once, before the
     * first object of whichever table is written first.
     */
    synchronized void recordStartedOnce(Runnable record) {
        if (!recordedAsStarted) {
            record.run();
            recordedAsStarted = true;
        }
    }

    /** The batch stays with its exchange: the next stage's wake-up does not take its clean-up along. */
    @Override
    public boolean allowHandover() {
        return false;
    }

    @Override
    public void onComplete(Exchange exchange) {
        if (BatchFailure.of(exchange) != null) {
            onFailure(exchange);
            return;
        }
        snapshot.close();
    }

    @Override
    public void onFailure(Exchange exchange) {
        try {
            snapshot.close();
        } finally {
            failureHandler.undo(this);
        }
    }
}
