package io.totesys.pipeline.iceberg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.starschema.ParquetPartWriter;
import io.totesys.pipeline.starschema.TransformSettings;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The upgrade from a release that wrote the star schema as plain Parquet (before the Iceberg
 * tables, docs/operations.md#upgrading-to-the-iceberg-tables): the first time the transform is
 * about to commit a batch to the tables, it brings every batch the processed bucket already
 * holds (its manifests under {@code processed/} and {@code input/}) into them, oldest first,
 * each batch one commit per table it changed, as if this release had written it: its parts
 * are written again as the tables' data files (the earlier files stay where they are, for the
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
    private static final String PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";

    private final StarSchemaCatalog catalog;
    private final BatchTableCommits commits;
    private final LakeBatches processed;
    private final IcebergFieldIds fieldIds;
    private final ParquetPartWriter writer;
    private final Clock clock;

    EarlierBatches(StarSchemaCatalog catalog, BatchTableCommits commits,
            @Named("processedBatches") LakeBatches processed, IcebergFieldIds fieldIds, TransformSettings settings,
            Clock clock) {
        this.catalog = catalog;
        this.commits = commits;
        this.processed = processed;
        this.fieldIds = fieldIds;
        this.writer = new ParquetPartWriter(settings.parquetCodec());
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
        if (!manifests.isEmpty()) {
            LOG.infof("Registering the %d batches an earlier release wrote to s3://%s into the Iceberg tables, oldest "
                    + "first", manifests.size(), processed.bucket());
        }
        for (String manifest : manifests) {
            register(manifest);
        }
        catalog.setNamespaceProperty(DONE_PROPERTY, manifests.size() + " batches, " + clock.instant());
        if (!manifests.isEmpty()) {
            LOG.infof("The %d batches of the earlier release are in the Iceberg tables", manifests.size());
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

    /** One earlier batch: its parts written again as the tables' files, each table committed once. */
    private void register(String manifestKey) {
        BatchManifest manifest = processed.manifest(manifestKey, WarehouseTable.manifestCatalogue());
        if (manifest.objects().stream().anyMatch(entry -> LakeLayout.isTableFile(entry.key()))) {
            return; // this release's: the batch being committed, whose manifest comes before its commits
        }
        String area = manifestKey.substring(0, manifestKey.indexOf('/') + 1);
        BatchId batch = new BatchId(manifest.batchId());
        String attempt = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        Map<String, ParquetMetadata> footers = new HashMap<>();
        BatchFiles files = new BatchFiles(batch, attempt, footers::get, area, OptionalLong.empty());
        for (WarehouseTable table : WarehouseTable.values()) {
            List<BatchManifest.Entry> parts = new ArrayList<>();
            for (BatchManifest.Entry entry : ofTable(manifest.objects(), table)) {
                written(table, batch, attempt, area + entry.key(), parts.size() + 1, footers).ifPresent(parts::add);
            }
            List<BatchManifest.Entry> deletions = table.isFact() ? List.of() : ofTable(manifest.deletions(), table);
            if (!parts.isEmpty() || !deletions.isEmpty()) {
                commits.commit(files, table, parts, deletions);
            }
        }
        LOG.debugf("Batch %s of the earlier release registered", batch);
    }

    /** A part of the earlier batch written again as a data file of its table, unless the part is gone. */
    private Optional<BatchManifest.Entry> written(WarehouseTable table, BatchId batch, String attempt,
            String earlierKey, int number, Map<String, ParquetMetadata> footers) {
        List<GenericRecord> rows;
        try {
            rows = ParquetFiles.rows(processed.objects(), earlierKey);
        } catch (MissingLakeObjectException e) {
            LOG.warnf("Batch %s: s3://%s/%s is gone (quarantined by the load, or removed); its rows are not in "
                    + "the Iceberg table %s", batch, processed.bucket(), earlierKey, table.tableName());
            return Optional.empty();
        }
        Schema schema = table.avroSchema();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ParquetPartWriter.WrittenPart part;
        try {
            part = writer.write(rows.stream().map(row -> ParquetFiles.inSchema(row, schema)).iterator(), table, schema,
                    fieldIds.of(table), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + table.tableName() + " of batch " + batch + " again failed: "
                    + e.getMessage(), e);
        }
        String key = LakeLayout.tableFileKey(table.tableName(), batch, attempt, "part", number);
        processed.objects().write(key, bytes.toByteArray(), PARQUET_CONTENT_TYPE);
        footers.put(key, part.footer());
        return Optional.of(new BatchManifest.Entry(table.tableName(), key, part.rows(), bytes.size(), null,
                null));
    }

    private static List<BatchManifest.Entry> ofTable(List<BatchManifest.Entry> entries, WarehouseTable table) {
        return entries.stream().filter(entry -> entry.table().equals(table.tableName())).toList();
    }
}
