package io.totesys.pipeline.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.extract.ExtractBatch;
import io.totesys.pipeline.extract.ExtractState;
import io.totesys.pipeline.extract.RepairPlan;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.source.SourceSnapshot;

/**
 * One reconciliation while it runs: its id, the snapshot of ToteSys it compares, the read
 * horizon of each table it compares (tables not read by horizon yet are left to their next
 * batch), the keys the lake holds, and per table what it found. It lives in the exchange
 * property {@code reconciliation} and releases its snapshot when the exchange completes.
 */
public final class Reconciliation extends SynchronizationAdapter implements RepairPlan {

    /** The exchange property that carries the running reconciliation. */
    public static final String PROPERTY = RepairPlan.PROPERTY;

    private final BatchId id;
    private final Instant startedAt;
    private final SourceSnapshot snapshot;
    private final Map<SourceTable, ExtractState.Position> positions;
    private final Map<SourceTable, SourceKeys> liveKeys;
    private final Map<SourceTable, Long> quarantined;
    private final Map<SourceTable, SourceKeys> quarantinedKeys;
    private final Map<SourceTable, Long> mirrorVersions;
    private final Map<SourceTable, TableOutcome> outcomes = new EnumMap<>(SourceTable.class);
    private final List<ViewOutcome> viewOutcomes = new ArrayList<>();
    private String viewsNotCompared;
    private Duration viewsComparedIn = Duration.ZERO;
    private BatchId repairBatch;
    private long rowsRepaired;
    private long deletionsRepaired;
    private long answersUpTo;

    Reconciliation(BatchId id, Instant startedAt, SourceSnapshot snapshot,
            Map<SourceTable, ExtractState.Position> positions, Map<SourceTable, SourceKeys> liveKeys,
            QuarantinedRows.Held quarantined, Map<SourceTable, Long> mirrorVersions) {
        this.id = id;
        this.startedAt = startedAt;
        this.snapshot = snapshot;
        this.positions = positions;
        this.liveKeys = liveKeys;
        this.quarantined = quarantined.rows();
        this.quarantinedKeys = quarantined.keys();
        this.mirrorVersions = mirrorVersions;
    }

    @Override
    public BatchId getId() {
        return id;
    }

    /** When the run started, before its snapshot. */
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public SourceSnapshot snapshot() {
        return snapshot;
    }

    /** The tables compared, in catalogue order: those read by read horizon. */
    public List<SourceTable> getTables() {
        return List.copyOf(positions.keySet());
    }

    @Override
    public ExtractState.Position position(SourceTable table) {
        return positions.get(table);
    }

    /** The keys the lake holds, changed by the repair batch as it reads and deletes. */
    @Override
    public Map<SourceTable, SourceKeys> liveKeys() {
        return liveKeys;
    }

    /** The rows of a table the lake holds only in quarantine ({@link QuarantinedRows}). */
    long quarantined(SourceTable table) {
        return quarantined.getOrDefault(table, 0L);
    }

    /** The version of the mirror's checksums of a table as the run opened (V25). */
    long mirrorVersion(SourceTable table) {
        return mirrorVersions.getOrDefault(table, 0L);
    }

    TableOutcome outcome(SourceTable table) {
        return outcomes.computeIfAbsent(table, any -> new TableOutcome());
    }

    Map<SourceTable, TableOutcome> outcomes() {
        return outcomes;
    }

    /**
     * Whether any table differs from what the lake holds, or any current view of the warehouse
     * from what ToteSys says it must hold: a repair batch follows.
     */
    public boolean isMismatched() {
        return outcomes.values().stream().anyMatch(outcome -> outcome.mismatched() > 0 || outcome.toRepair());
    }

    /** Whether the lake differs from ToteSys: missing, extra or changed rows in any table. */
    boolean isLakeMismatched() {
        return outcomes.values().stream().anyMatch(outcome -> outcome.mismatched() > 0);
    }

    /** The tables a repair batch reads or deletes rows of. */
    @Override
    public List<SourceTable> tablesToRepair() {
        return outcomes.entrySet().stream().filter(entry -> entry.getValue().toRepair()).map(Map.Entry::getKey)
                .toList();
    }

    /** Whether the run compared a ToteSys table with the lake (it had a read horizon and could be read). */
    public boolean comparedWithTheLake(SourceTable table) {
        return outcomes.containsKey(table);
    }

    /**
     * Whether the run left a ToteSys table unread, as unchanged on both sides since a run found
     * it equal to the lake ({@link TablesFoundEqual}).
     */
    public boolean leftUnread(SourceTable table) {
        TableOutcome outcome = outcomes.get(table);
        return outcome != null && outcome.notRead;
    }

    /**
     * Whether the lake holds a row of ToteSys as ToteSys has it, or its absence, so that the
     * warehouse must hold it likewise: the run compared the table and found the key neither
     * pending (written since the read horizon), nor missing, extra or changed in the lake (the
     * repair batch reads it anyway), nor held only in quarantine.
     */
    public boolean settledInTheLake(SourceTable table, int key) {
        TableOutcome outcome = outcomes.get(table);
        SourceKeys held = quarantinedKeys.get(table);
        return outcome != null && !outcome.pendingKeys.contains(key) && !outcome.toRead.contains(key)
                && !outcome.extraKeys.contains(key) && (held == null || !held.contains(key));
    }

    /** Has the repair batch read a row of ToteSys again for the warehouse: a view lacks it or holds it otherwise. */
    public void readAgainForTheWarehouse(SourceTable table, int key) {
        outcome(table).toRead.add(key);
    }

    /** Has the repair batch record a key as deleted for the warehouse: a view holds a row ToteSys lacks. */
    public void deleteForTheWarehouse(SourceTable table, int key) {
        outcome(table).extraKeys.add(key);
    }

    /** Records what the run found of a current view. */
    public void foundInTheWarehouse(ViewOutcome outcome) {
        viewOutcomes.add(outcome);
    }

    /** Records how long comparing the current views took, the wait for the load left out. */
    public void viewsComparedIn(Duration took) {
        viewsComparedIn = took;
    }

    Duration viewsComparedIn() {
        return viewsComparedIn;
    }

    /** Records why the run did not compare the warehouse's current views (batches not loaded yet). */
    public void viewsNotCompared(String reason) {
        viewsNotCompared = reason;
    }

    /** What the run found of each current view, in the order compared; empty when none was. */
    public List<ViewOutcome> viewOutcomes() {
        return List.copyOf(viewOutcomes);
    }

    /** Why the run did not compare the current views, or {@code null}. */
    String viewsNotCompared() {
        return viewsNotCompared;
    }

    /** The keys of rows to read again: missing and changed. */
    @Override
    public SourceKeys toRead(SourceTable table) {
        return outcome(table).toRead;
    }

    /** The keys the lake holds that ToteSys does not: to record as deleted. */
    @Override
    public SourceKeys extra(SourceTable table) {
        return outcome(table).extraKeys;
    }

    /** What the repair batch's manifest says of why it was written. */
    @Override
    public List<BatchManifest.RepairReason> repairReasons() {
        List<BatchManifest.RepairReason> reasons = new ArrayList<>();
        outcomes.forEach((table, outcome) -> {
            if (outcome.mismatched() > 0) {
                reasons.add(new BatchManifest.RepairReason(table.tableName(), id.value(), outcome.missing,
                        outcome.extra, outcome.changed));
            }
        });
        for (ViewOutcome view : viewOutcomes) {
            if (view.differences() > 0) {
                reasons.add(new BatchManifest.RepairReason(view.table(), id.value(), view.missing(), view.extra(),
                        view.changed()));
            }
        }
        return reasons;
    }

    /** Counts what a published repair batch wrote, per table. */
    @Override
    public void repairedBy(ExtractBatch batch) {
        repairBatch = batch.getId();
        rowsRepaired = batch.rowCount();
        deletionsRepaired = batch.deletedCount();
        for (BatchManifest.Entry entry : batch.objects()) {
            SourceTable.byTableName(entry.table()).ifPresent(table -> outcome(table).repaired += entry.rows());
        }
        for (BatchManifest.Entry entry : batch.deletions()) {
            SourceTable.byTableName(entry.table()).ifPresent(table -> outcome(table).repaired += entry.rows());
        }
    }

    /** How many rows the repair batch read again. */
    long rowsRepaired() {
        return rowsRepaired;
    }

    /** How many keys the repair batch recorded as deleted. */
    long deletionsRepaired() {
        return deletionsRepaired;
    }

    /** The repair batch, once published; {@code null} when none was needed or it failed. */
    BatchId repairBatch() {
        return repairBatch;
    }

    /** The newest operator's request to reconcile now that was open as the run started; 0: none. */
    long answersUpTo() {
        return answersUpTo;
    }

    void answers(long lastOpenRequest) {
        answersUpTo = lastOpenRequest;
    }

    /** The reconciliation stays with the exchange that started it, not with a copy handed on. */
    @Override
    public boolean allowHandover() {
        return false;
    }

    @Override
    public void onDone(Exchange exchange) {
        snapshot.close();
    }
}
