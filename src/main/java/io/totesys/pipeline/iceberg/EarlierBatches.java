package io.totesys.pipeline.iceberg;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.avro.generic.GenericRecord;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The upgrade from a release that wrote the star schema as plain Parquet (before the Iceberg
 * tables, docs/operations.md#upgrading-to-the-iceberg-tables): the first time the transform is
 * about to commit a batch to the tables, it brings every batch the processed bucket already
 * holds (its manifests under {@code processed/} and {@code input/}) into them, oldest first,
 * each batch one commit per table it changed, as if this release had written it: its parts
 * and its deletions objects are written again as the data files of the tables and of their
 * tables of deletions (the earlier files stay where they are, for the
 * load and for replays), a dimension keeps the latest version of each member and drops the
 * deleted ones. Once done, the catalog's namespace says so ({@value #DONE_PROPERTY}), and
 * it is never done again; a crash midway leaves the batches registered so far, which the next
 * run finds by their commit keys. The load still loads each of those batches once, from its
 * manifest, as before.
 */
@ApplicationScoped
@Named("earlierBatches")
public class EarlierBatches {

    /** The namespace property that says the earlier release's batches are in the tables. */
    static final String DONE_PROPERTY = "totesys.earlier-batches-registered";

    private static final Logger LOG = Logger.getLogger(EarlierBatches.class);

    private final StarSchemaCatalog catalog;
    private final BatchTableCommits commits;
    private final LakeBatches processed;
    private final TableFiles tableFiles;
    private final Clock clock;

    EarlierBatches(StarSchemaCatalog catalog, BatchTableCommits commits,
            @Named("processedBatches") LakeBatches processed, TableFiles tableFiles, Clock clock) {
        this.catalog = catalog;
        this.commits = commits;
        this.processed = processed;
        this.tableFiles = tableFiles;
        this.clock = clock;
    }

    /**
     * Brings the earlier release's batches into the tables, unless the catalog says that was
     * done already (a look at the namespace's properties: two catalog queries per batch).
     */
    public synchronized void registerOnce() {
        if (catalog.namespaceProperty(DONE_PROPERTY).isPresent()) {
            return;
        }
        List<String> manifests = earlierManifests();
        int registered = 0;
        for (String key : manifests) {
            BatchManifest manifest = processed.manifest(key, WarehouseTable.manifestCatalogue());
            if (manifest.objects().stream().anyMatch(entry -> LakeLayout.isTableFile(entry.key()))) {
                continue; // this release's: the batch being committed, whose manifest comes before its commits
            }
            if (registered++ == 0) {
                LOG.infof("Registering the batches an earlier release wrote to s3://%s into the Iceberg tables, "
                        + "oldest first (%d batch manifests in the bucket)", processed.bucket(), manifests.size());
            }
            register(key, manifest);
        }
        catalog.setNamespaceProperty(DONE_PROPERTY, registered + " batches, " + clock.instant());
        if (registered > 0) {
            LOG.infof("The %d batches of the earlier release are in the Iceberg tables", registered);
        }
    }

    /**
     * Every batch manifest the bucket holds, oldest batch first: before this release's first
     * commit, every one of them but the batch's being committed was written by an earlier
     * release.
     */
    private List<String> earlierManifests() {
        LakeObjects objects = processed.objects();
        List<String> manifests = new ArrayList<>(objects.keys(LakeLayout.processed(LakeLayout.MANIFESTS + "/")));
        manifests.addAll(objects.keys(LakeLayout.input(LakeLayout.MANIFESTS + "/")));
        manifests.sort(Comparator.comparing(LakeLayout::batchIdOf));
        return manifests;
    }

    /**
     * One earlier batch: its parts and deletions objects written again as the tables' files,
     * each table committed once.
     */
    private void register(String manifestKey, BatchManifest manifest) {
        String area = manifestKey.substring(0, manifestKey.indexOf('/') + 1);
        BatchId batch = new BatchId(manifest.batchId());
        String attempt = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        Map<String, TableFiles.Written> written = new HashMap<>();
        BatchFiles files = new BatchFiles(batch, attempt, key -> written.get(key).footer(),
                key -> tableFiles.keys(key, Optional.ofNullable(written.get(key)).flatMap(TableFiles.Written::keys)),
                area,
                OptionalLong.empty(), manifest.highWater());
        for (LakeTable table : LakeTable.all()) {
            List<BatchManifest.Entry> parts = new ArrayList<>();
            List<BatchManifest.Entry> earlierParts = table.deletions()
                    ? ofTable(manifest.deletions(), table.table())
                    : ofTable(manifest.objects(), table.table());
            for (BatchManifest.Entry entry : earlierParts) {
                written(table, batch, attempt, area + entry.key(), parts.size() + 1, written).ifPresent(parts::add);
            }
            List<BatchManifest.Entry> deletions = IcebergCommits.membersDeleted(table, manifest.deletions());
            if (!parts.isEmpty() || !deletions.isEmpty()) {
                commits.commit(files, table, parts, deletions);
            }
        }
        LOG.debugf("Batch %s of the earlier release registered", batch);
    }

    /** A part of the earlier batch written again as a data file of its table, unless the part is gone. */
    private Optional<BatchManifest.Entry> written(LakeTable table, BatchId batch, String attempt,
            String earlierKey, int number, Map<String, TableFiles.Written> written) {
        List<GenericRecord> rows;
        try {
            rows = tableFiles.rows(earlierKey);
        } catch (MissingLakeObjectException e) {
            LOG.warnf("Batch %s: s3://%s/%s is gone (quarantined by the load, or removed); its rows are not in "
                    + "the Iceberg table %s", batch, processed.bucket(), earlierKey, table.name());
            return Optional.empty();
        }
        TableFiles.Written file = tableFiles.write(table, batch, attempt, "part", number, rows);
        written.put(file.key(), file);
        return Optional.of(file.entry(table));
    }

    private static List<BatchManifest.Entry> ofTable(List<BatchManifest.Entry> entries, WarehouseTable table) {
        return entries.stream().filter(entry -> entry.table().equals(table.tableName())).toList();
    }
}
