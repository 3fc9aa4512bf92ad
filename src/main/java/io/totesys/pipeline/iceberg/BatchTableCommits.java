package io.totesys.pipeline.iceberg;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.avro.generic.GenericRecord;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.InvalidLakeObjectException;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.LastUpdatedRange;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * Commits what one batch wrote for one lake table to its Iceberg table, in
 * one commit whose summary names the batch (docs/architecture.md#iceberg-tables):
 * <ul>
 * <li>a fact's parts are appended: its history is the table, each version once, as the warehouse keeps it
 * ({@link FactVersions}); so are {@code dim_date}'s, whose
 * batches bring only days the calendar did not cover yet, and a table's deletions;</li>
 * <li>a dimension keeps one row per member, the latest batch's, and none for a member deleted
 * since: the files that hold an earlier version of a member the batch brings or deletes are
 * replaced by copies without those rows (copy on write), in the same commit as the batch's
 * parts, so that every reader sees plain data files and no delete files.</li>
 * </ul>
 * A batch the table holds already (its run crashed after the commit, or never learnt that it
 * succeeded) is not committed again: the batch's manifest, written before any of its commits,
 * names the files that commit brought. A replayed batch commits anew, under its replay request: a fact's files
 * (or deletions') of the batch are replaced by the replay's, and a dimension member's version a later batch
 * wrote stays, as in the warehouse. A batch whose own file cannot be read when its commit
 * needs it (a run that stopped after the manifest reads its files' footers back) is left out
 * of the table, as the load leaves the file's table of the batch out of the warehouse.
 */
@ApplicationScoped
class BatchTableCommits {

    private static final Logger LOG = Logger.getLogger(BatchTableCommits.class);
    /** How many times a commit looks again after another writer committed to its table first. */
    private static final int CONFLICT_ATTEMPTS = 5;
    /** The most rows a file holds that a commit writes again with the rows a batch did not replace. */
    static final int ROWS_PER_CARRY_FILE = 10_000;

    private final StarSchemaCatalog catalog;
    private final TableFiles tableFiles;
    private final ObjectMapper json;
    private final Map<LakeTable, Lock> tableLocks = new ConcurrentHashMap<>();

    BatchTableCommits(StarSchemaCatalog catalog, TableFiles tableFiles, ObjectMapper json) {
        this.catalog = catalog;
        this.tableFiles = tableFiles;
        this.json = json;
    }

    /**
     * Commits the table's parts (and, for a dimension, its deletions) of the batch, once: a
     * table that holds the batch's commit key already is left as it is. The look for the key
     * and the commit are made under the table's lock, so that a run's commit and the commit of
     * the run before it, still under way after that run failed on another table (its
     * thread goes on), never both find the key missing: Iceberg would apply the second commit
     * again on the first, and the batch would be two snapshots. A writer the lock cannot see
     * (another replica: a leader that lost its lease while its commit went on) is stopped by
     * the table itself: a commit holds only if no data was added to or removed from the table
     * since it looked ({@code validateNoConflictingData}); if some was, it looks again, and
     * finds the key, or commits on what is there now.
     *
     * @param parts the data files the batch wrote for the table
     * @param deletions the Parquet objects that hold the keys of the table's rows the batch deletes
     */
    void commit(BatchFiles batch, LakeTable table, List<BatchManifest.Entry> parts,
            List<BatchManifest.Entry> deletions) {
        Lock lock = tableLocks.computeIfAbsent(table, any -> new ReentrantLock());
        lock.lock();
        try {
            for (int attempt = 1;; attempt++) {
                try {
                    commitOnce(batch, table, parts, deletions);
                    return;
                } catch (ValidationException e) {
                    if (attempt == CONFLICT_ATTEMPTS) {
                        throw e;
                    }
                    LOG.infof("Batch %s: another writer committed to %s after this commit looked (%s); it looks again",
                            batch.id(), table, e.getMessage());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void commitOnce(BatchFiles batch, LakeTable table, List<BatchManifest.Entry> parts,
            List<BatchManifest.Entry> deletions) {
        Table iceberg = catalog.current(table);
        Snapshot looked = iceberg.currentSnapshot();
        String commitKey = batch.commitKey();
        Optional<Snapshot> earlier = BatchSummary.committed(iceberg, commitKey);
        if (earlier.isPresent()) {
            LOG.debugf("Batch %s: %s holds the batch already (snapshot %d)", batch.id(), iceberg.name(),
                    earlier.get().snapshotId());
            return;
        }
        boolean appended = looked == null
                || table.table() == WarehouseTable.DIM_DATE
                || table.appendOnly() && batch.replay().isEmpty();
        boolean versions = table.table().isFact() && !table.deletions();
        LocalDateTime heldUpTo = versions ? FactVersions.heldUpTo(iceberg, looked) : null;
        Optional<LocalDateTime> heldAfter = Optional.empty();
        List<DataFile> files;
        Set<Object> members;
        try {
            List<Optional<LastUpdatedRange>> ranges = new ArrayList<>();
            files = new ArrayList<>();
            for (BatchManifest.Entry part : parts) {
                ParquetMetadata footer = batch.footers().apply(part.key());
                ranges.add(LastUpdatedRange.of(footer));
                files.add(DataFileParts.dataFile(iceberg, tableFiles.location(part.key()), part.bytes(), footer,
                        LakeLayout.BATCH_DATE + "=" + batch.id().date()));
            }
            if (versions) {
                heldAfter = FactVersions.heldAfter(heldUpTo, ranges);
                if (looked != null) {
                    files = newVersions(batch, table, iceberg, files, ranges, heldUpTo);
                }
            }
            members = appended || table.appendOnly() ? Set.of() : members(batch, parts, deletions);
        } catch (MissingLakeObjectException | InvalidLakeObjectException e) {
            LOG.warnf("Batch %s is left out of the Iceberg table %s: %s. The load leaves the batch's rows of the table "
                    + "out of the warehouse too (it quarantines the file); re-extract the table's source table "
                    + "(reextract) to write them again", batch.id(), iceberg.name(), e.getMessage());
            return;
        }
        OverwriteFiles update;
        if (appended || table.appendOnly()) {
            List<DataFile> replaced = appended ? List.of() : filesOf(batch, iceberg);
            if (replaced.isEmpty() && files.isEmpty()) {
                LOG.debugf("Batch %s: %s holds every version the batch brings already", batch.id(), iceberg.name());
                return;
            }
            update = iceberg.newOverwrite();
            replaced.forEach(update::deleteFile);
            files.forEach(update::addFile);
        } else {
            update = replaceMembers(batch, table, iceberg, members, files);
        }
        if (update == null) {
            return;
        }
        update.conflictDetectionFilter(Expressions.alwaysTrue()).validateNoConflictingData()
                .validateNoConflictingDeletes();
        if (looked != null) {
            update.validateFromSnapshot(looked.snapshotId());
        }
        long started = System.nanoTime();
        update.set(BatchSummary.BATCH_ID, batch.id().value());
        update.set(BatchSummary.COMMIT_KEY, commitKey);
        if (batch.highWater() != null) {
            update.set(BatchSummary.HIGH_WATER, batch.highWater());
        }
        if (batch.replay().isPresent()) {
            update.set(BatchSummary.REPLAY, String.valueOf(batch.replay().getAsLong()));
        }
        heldAfter.ifPresent(held -> update.set(BatchSummary.LAST_UPDATED, held.toString()));
        update.set(BatchSummary.FILES, BatchSummary.files(json, parts));
        update.commit();
        LOG.debugf("Batch %s: %s committed (%d files) in %d ms", batch.id(), iceberg.name(), files.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The data files the batch's earlier commits brought to a fact's table, which a replay of
     * the batch replaces: in the batch's day, named for the batch.
     */
    private List<DataFile> filesOf(BatchFiles batch, Table iceberg) {
        return PlannedFiles.of(iceberg.newScan()
                .filter(Expressions.equal(LakeLayout.BATCH_DATE, batch.id().date().toString()))).stream()
                .map(FileScanTask::file)
                .filter(file -> LakeLayout.batchIdOf(tableFiles.key(file.location())).equals(batch.id().value()))
                .toList();
    }

    /**
     * A fact's parts of the batch without the versions the table holds as current already
     * ({@link FactVersions}, the warehouse's rule): a part that holds some is written again
     * without them ({@code new}), one that holds nothing else is left out.
     */
    private List<DataFile> newVersions(BatchFiles batch, LakeTable table, Table iceberg, List<DataFile> parts,
            List<Optional<LastUpdatedRange>> ranges, LocalDateTime heldUpTo) {
        Optional<Table> deletions = catalog.currentIfMade(LakeTable.deletionsOf(table.table()));
        List<DataFile> added = new ArrayList<>();
        long held = 0;
        int written = 0;
        for (int index = 0; index < parts.size(); index++) {
            DataFile part = parts.get(index);
            if (!FactVersions.mayHoldAVersion(ranges.get(index), heldUpTo)) {
                added.add(part);
                continue;
            }
            List<GenericRecord> rows = read(part.location());
            List<GenericRecord> mayBeHeld = rows.stream().filter(row -> FactVersions.mayBeHeld(row, heldUpTo))
                    .toList();
            FactVersions current = FactVersions.asOf(batch.id(), mayBeHeld, table, iceberg, deletions, tableFiles);
            List<GenericRecord> versions = rows.stream().filter(row -> !current.isCurrent(row)).toList();
            held += rows.size() - versions.size();
            if (versions.size() == rows.size()) {
                added.add(part);
            } else if (!versions.isEmpty()) {
                added.add(copy(batch, table, iceberg, part, versions, "new", ++written));
            }
        }
        if (held > 0) {
            LOG.infof("Batch %s: %s holds %d of the versions the batch brings already (the batch read them again); "
                    + "they are not appended twice, as in the warehouse", batch.id(), iceberg.name(), held);
        }
        return added;
    }

    /** The keys of the members a dimension's parts of the batch bring, and of those its deletions delete. */
    private static Set<Object> members(BatchFiles batch, List<BatchManifest.Entry> parts,
            List<BatchManifest.Entry> deletions) {
        Set<Object> members = new HashSet<>();
        for (BatchManifest.Entry entry : parts) {
            members.addAll(batch.keys().apply(entry.key()));
        }
        for (BatchManifest.Entry entry : deletions) {
            members.addAll(batch.keys().apply(batch.deletionsKey(entry.key())));
        }
        return members;
    }

    /**
     * A dimension's commit: the batch's parts in, and out every row the table holds of a member
     * the batch brings or deletes, by rewriting the files that hold them without them; a row
     * a later batch wrote stays (the warehouse's rule: a member's version is replaced only by
     * a batch at least as new), and a replayed batch's own version of such a member is left out
     * of the table. Files whose key bounds hold none of the members are never read. Nothing to
     * commit when the batch neither brings nor deletes a member.
     */
    private OverwriteFiles replaceMembers(BatchFiles batch, LakeTable table, Table iceberg, Set<Object> members,
            List<DataFile> files) {
        if (members.isEmpty() && files.isEmpty()) {
            return null;
        }
        OverwriteFiles overwrite = iceberg.newOverwrite();
        Set<Object> newer = new HashSet<>();
        int carried = 0;
        if (!members.isEmpty()) {
            for (FileScanTask task : PlannedFiles.of(iceberg.newScan()
                    .filter(Expressions.in(table.keyColumn(), members.toArray())))) {
                DataFile file = task.file();
                boolean notNewer = LakeLayout.batchIdOf(tableFiles.key(file.location()))
                        .compareTo(batch.id().value()) <= 0;
                List<GenericRecord> held;
                try {
                    held = read(file.location());
                } catch (MissingLakeObjectException | InvalidLakeObjectException e) {
                    LOG.warnf("Batch %s: %s lists %s, which %s; the file leaves the table, and the rows it held "
                            + "with it: re-extract the table's source table (reextract) to write them again",
                            batch.id(), iceberg.name(), file.location(),
                            e instanceof InvalidLakeObjectException invalid ? "does not read (" + invalid.problem()
                                    + ")" : "is missing");
                    overwrite.deleteFile(file);
                    continue;
                }
                List<GenericRecord> kept = new ArrayList<>();
                for (GenericRecord row : held) {
                    if (!members.contains(row.get(0))) {
                        kept.add(row);
                    } else if (!notNewer) {
                        kept.add(row);
                        newer.add(row.get(0));
                    }
                }
                if (kept.size() < held.size()) {
                    overwrite.deleteFile(file);
                    for (List<GenericRecord> slice : inKeyOrderSlices(kept)) {
                        overwrite.addFile(copy(batch, table, iceberg, file, slice, "carry", ++carried));
                    }
                }
            }
        }
        if (newer.isEmpty()) {
            files.forEach(overwrite::addFile);
            return overwrite;
        }
        int kept = 0;
        for (DataFile file : files) {
            List<GenericRecord> rows = read(file.location()).stream()
                    .filter(row -> !newer.contains(row.get(0)))
                    .toList();
            if (!rows.isEmpty()) {
                overwrite.addFile(copy(batch, table, iceberg, file, rows, "kept", ++kept));
            }
        }
        LOG.infof("Batch %s: %s keeps the later batches' versions of %d members the batch brings again", batch.id(),
                iceberg.name(), newer.size());
        return overwrite;
    }

    /**
     * The rows a dimension's file keeps, in key order, in slices of at most
     * {@value #ROWS_PER_CARRY_FILE}: each slice's file has key bounds of its own, so that the
     * next batch that changes a member reads and writes again one slice, not every row the
     * original file held (a full load's file of a dimension holds up to
     * {@code ETL_TRANSFORM_ROWS_PER_FILE} members).
     */
    static List<List<GenericRecord>> inKeyOrderSlices(List<GenericRecord> rows) {
        List<GenericRecord> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(row -> (Integer) row.get(0)));
        List<List<GenericRecord>> slices = new ArrayList<>();
        for (int from = 0; from < sorted.size(); from += ROWS_PER_CARRY_FILE) {
            slices.add(sorted.subList(from, Math.min(sorted.size(), from + ROWS_PER_CARRY_FILE)));
        }
        return slices;
    }

    /**
     * A copy of a data file with only some of its rows: in the same partition, named for the
     * batch that wrote the original, this run and what it is ({@code carry}: the rows of a
     * dimension's file a batch did not replace; {@code kept}: a replayed batch's rows no later
     * batch replaced; {@code new}: a fact's part without the versions the table held already).
     */
    private DataFile copy(BatchFiles batch, LakeTable table, Table iceberg, DataFile original,
            List<GenericRecord> rows, String kind, int number) {
        BatchId writtenBy = new BatchId(LakeLayout.batchIdOf(tableFiles.key(original.location())));
        TableFiles.Written written = tableFiles.write(table, writtenBy, batch.attempt(), kind, number, rows);
        return DataFileParts.dataFile(iceberg, tableFiles.location(written.key()), written.bytes(), written.footer(),
                original.partition());
    }

    /** Every row of a data file, as the Avro records it was written from. */
    private List<GenericRecord> read(String location) {
        return tableFiles.rows(tableFiles.key(location));
    }
}
