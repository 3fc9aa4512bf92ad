package io.totesys.pipeline.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ReachableFileUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsBulkOperations;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.LakeTable;

/**
 * The Iceberg tables' upkeep (routes/iceberg-upkeep.camel.yaml,
 * docs/operations.md#iceberg-upkeep), on the leader every {@code ICEBERG_UPKEEP_INTERVAL}:
 * <ul>
 * <li>snapshots older than {@code ICEBERG_SNAPSHOT_RETENTION} expire, with the files only they
 * listed, but never the latest one, nor one of a batch the load has not read yet (its
 * manifest still waits under {@code input/}), nor any after it;</li>
 * <li>files under a table's location that no snapshot lists and that are older than
 * {@code ICEBERG_ORPHAN_FILE_AGE} (a transform run that failed before its commit left them)
 * are removed, but a batch's whose commits are still to come.</li>
 * </ul>
 * Its commits and the transform's meet as Iceberg's commits do: the one that loses the
 * race applies its change again on the other's (expiry adds and removes no data, so the
 * transform's check that none was added since it looked holds).
 */
@ApplicationScoped
@Named("icebergUpkeep")
public class TableUpkeep {

    private static final Logger LOG = Logger.getLogger(TableUpkeep.class);

    private final StarSchemaCatalog catalog;
    private final LakeBatches processed;
    private final LakeBatches ingest;
    private final IcebergSettings settings;
    private final Clock clock;

    TableUpkeep(StarSchemaCatalog catalog, @Named("processedBatches") LakeBatches processed,
            @Named("ingestBatches") LakeBatches ingest, IcebergSettings settings, Clock clock) {
        this.catalog = catalog;
        this.processed = processed;
        this.ingest = ingest;
        this.settings = settings;
        this.clock = clock;
    }

    /** One pass over every table, with the settings' ages. */
    public void upkeep() {
        Instant now = clock.instant();
        Set<String> unloaded = unloadedBatches();
        Set<String> uncommitted = uncommittedBatches();
        int expired = 0;
        int orphans = 0;
        for (LakeTable table : LakeTable.all()) {
            try {
                Optional<Table> made = catalog.currentIfMade(table);
                if (made.isPresent()) {
                    Table iceberg = made.get();
                    expired += expireSnapshots(iceberg, now.minus(settings.snapshotRetention()), unloaded);
                    orphans += removeOrphanFiles(iceberg, now.minus(settings.orphanFileAge()), uncommitted);
                }
            } catch (RuntimeException e) {
                LOG.warnf("Iceberg upkeep of %s failed, tried again in %s: %s", table.name(),
                        settings.upkeepInterval(), e.getMessage());
            }
        }
        if (expired + orphans > 0) {
            LOG.infof("Iceberg upkeep: %d snapshots older than %s expired, %d orphan files removed", expired,
                    settings.snapshotRetention(), orphans);
        }
    }

    /**
     * Expires the table's snapshots older than {@code before}, but the latest, and any of a
     * batch in {@code unloaded} or after it; says how many went.
     */
    int expireSnapshots(Table table, Instant before, Set<String> unloaded) {
        Snapshot current = table.currentSnapshot();
        if (current == null) {
            return 0;
        }
        long cutoff = before.toEpochMilli();
        List<Snapshot> snapshots = new ArrayList<>();
        table.snapshots().forEach(snapshots::add);
        for (Snapshot snapshot : snapshots) {
            if (unloaded.contains(snapshot.summary().get(BatchSummary.BATCH_ID))) {
                cutoff = Math.min(cutoff, snapshot.timestampMillis());
            }
        }
        long expiring = cutoff;
        int expired = (int) snapshots.stream()
                .filter(snapshot -> snapshot.timestampMillis() < expiring && snapshot.snapshotId() != current
                        .snapshotId())
                .count();
        if (expired > 0) {
            table.expireSnapshots().expireOlderThan(cutoff).retainLast(1).cleanExpiredFiles(true).commit();
            LOG.debugf("Iceberg table %s: %d snapshots expired", table.name(), expired);
        }
        return expired;
    }

    /**
     * Removes the files under the table's location that no snapshot of it lists (data,
     * manifests, manifest lists, metadata files), written before {@code before}; says how many.
     * A data file of a batch in {@code uncommitted} stays however old: its commit is still to
     * come (the catalog refused it, a run stopped after the manifest), with the files the
     * manifest names. The snapshots' manifests are read only when some file is old enough to go.
     */
    int removeOrphanFiles(Table table, Instant before, Set<String> uncommitted) {
        List<String> oldEnough = new ArrayList<>();
        for (FileInfo file : ((SupportsPrefixOperations) table.io()).listPrefix(table.location() + "/")) {
            if (file.createdAtMillis() < before.toEpochMilli()
                    && !uncommitted.contains(LakeLayout.batchIdOf(file.location()))) {
                oldEnough.add(file.location());
            }
        }
        if (oldEnough.isEmpty()) {
            return 0;
        }
        Set<String> reachable = reachable(table);
        List<String> orphans = oldEnough.stream().filter(location -> !reachable.contains(location)).toList();
        if (!orphans.isEmpty()) {
            ((SupportsBulkOperations) table.io()).deleteFiles(orphans);
            LOG.debugf("Iceberg table %s: orphan files removed: %s", table.name(), orphans);
        }
        return orphans.size();
    }

    /**
     * Every file a snapshot or metadata version of the table refers to: the current metadata
     * and the earlier versions its log keeps (Iceberg deletes older ones as it commits; reading
     * them back, as a recursive walk would, fails on each), the manifest lists, and each
     * manifest and the files it lists, each manifest read once though many snapshots share it.
     */
    private static Set<String> reachable(Table table) {
        Set<String> reachable = new HashSet<>(ReachableFileUtil.metadataFileLocations(table, false));
        reachable.addAll(ReachableFileUtil.manifestListLocations(table));
        reachable.addAll(ReachableFileUtil.statisticsFilesLocations(table));
        for (Snapshot snapshot : table.snapshots()) {
            for (ManifestFile manifest : snapshot.allManifests(table.io())) {
                if (!reachable.add(manifest.path())) {
                    continue;
                }
                try (CloseableIterable<String> paths = ManifestFiles.readPaths(manifest, table.io())) {
                    paths.forEach(reachable::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("reading " + manifest.path() + " failed", e);
                }
            }
        }
        return reachable;
    }

    /**
     * The batches whose commits may still come: their extract manifest waits under the ingest
     * bucket's {@code input/}, which the transform leaves only once every commit is made.
     */
    Set<String> uncommittedBatches() {
        return ingest.pendingManifests().stream().map(LakeLayout::batchIdOf).collect(Collectors.toSet());
    }

    /** The batches whose manifest waits for the load under the processed bucket's {@code input/}. */
    Set<String> unloadedBatches() {
        return processed.pendingManifests().stream().map(LakeLayout::batchIdOf).collect(Collectors.toSet());
    }
}
