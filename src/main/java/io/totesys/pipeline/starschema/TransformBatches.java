package io.totesys.pipeline.starschema;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.apache.avro.generic.GenericRecord;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.converter.stream.CachedOutputStream;
import org.apache.camel.util.ObjectHelper;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeBuckets;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.ObjectDescription;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineSchema;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.PublishedBatches;
import io.totesys.pipeline.stage.RefusedManifests;
import io.totesys.pipeline.stage.ReplayRequests;
import io.totesys.pipeline.stage.StageStart;

/**
 * The transform stage's processor bean: the steps of {@code routes/transform.camel.yaml}.
 * <p>
 * A batch lines up the warehouse tables an extract batch produces ({@link TransformPlan})
 * and writes each as one or more Parquet parts. A source object that cannot be read is
 * quarantined with a report; the other tables flow on. Only once the batch's Parquet
 * manifest is written do its CSV objects move from {@code input/} to {@code processed/}.
 */
@ApplicationScoped
@Named("transformBatches")
public class TransformBatches {

    /** The exchange property that carries the running {@link TransformBatch}. */
    public static final String BATCH_PROPERTY = "transformBatch";
    /** The exchange property that carries the key of the extract manifest being transformed. */
    public static final String MANIFEST_KEY_PROPERTY = "extractManifestKey";
    /** The exchange property that carries the warehouse table being written ({@link TableOutput}). */
    public static final String TABLE_PROPERTY = "tableOutput";
    /** The exchange property that carries the Parquet object being written: its rows and footer. */
    public static final String WRITTEN_PART_PROPERTY = "parquetPart";

    private static final Logger LOG = Logger.getLogger(TransformBatches.class);

    private final LakeBatches ingest;
    private final LakeBatches processed;
    private final LakeBuckets buckets;
    private final PipelineSchema schema;
    private final TransformPlan plan;
    private final TransformQuarantine quarantine;
    private final ReferenceState state;
    private final TransformSettings settings;
    private final ObjectMapper json;
    private final PipelineMetrics metrics;
    private final PublishedBatches publishedBatches;
    private final BatchReplays replays;
    private final ParquetPartWriter parquetWriter;
    private final Clock clock;

    /** Quarantines a manifest the stage cannot trust, with its batch. */
    @Inject
    RefusedManifests refusedManifests;

    /** The replay requests, which say whether a batch is transformed again for a replay. */
    @Inject
    ReplayRequests replayRequests;

    /** The field ids of the tables' columns, as their Iceberg tables number them. */
    @Inject
    ParquetFieldIds fieldIds;

    TransformBatches(@Named("ingestBatches") LakeBatches ingest, @Named("processedBatches") LakeBatches processed,
            LakeBuckets buckets, PipelineSchema schema, TransformPlan plan, TransformQuarantine quarantine,
            ReferenceState state, TransformSettings settings, ObjectMapper json, PipelineMetrics metrics,
            PublishedBatches publishedBatches, BatchReplays replays, Clock clock) {
        this.ingest = ingest;
        this.processed = processed;
        this.buckets = buckets;
        this.schema = schema;
        this.plan = plan;
        this.quarantine = quarantine;
        this.state = state;
        this.settings = settings;
        this.json = json;
        this.metrics = metrics;
        this.publishedBatches = publishedBatches;
        this.clock = clock;
        this.replays = replays;
        this.parquetWriter = new ParquetPartWriter(settings.parquetCodec());
    }

    /**
     * The manifests of extract batches not yet transformed, oldest first, listed once the run
     * holds the stage (step {@code hold-transform-stage}) and the batches an operator asked to
     * replay are back under {@code input/} ({@link BatchReplays}).
     */
    public List<String> pendingManifests(Exchange exchange) {
        StageStart.requireHeld(PipelineStage.TRANSFORM, exchange);
        replays.restoreRequested();
        return ingest.pendingManifests();
    }

    /**
     * Opens the transform of the extract batch whose manifest key is the body and lines up
     * the warehouse tables to write. A batch whose Parquet manifest already exists only has
     * its archiving left.
     */
    public TransformBatch open(@Body String manifestKey) {
        buckets.verifyProcessed();
        schema.ensureMigrated();
        BatchManifest extractManifest = ingest.manifest(manifestKey, ExtractedCsv.manifestCatalogue());
        BatchId batchId = new BatchId(extractManifest.batchId());
        TransformBatch batch = new TransformBatch(batchId, clock.instant(), manifestKey, extractManifest,
                processed.findManifest(batchId, WarehouseTable.manifestCatalogue()));
        if (batch.isPending()) {
            long started = System.nanoTime();
            replayRequests.latestRestore(batchId.value()).ifPresent(batch::replayedBy);
            plan.lineUp(batch);
            LOG.debugf("Transform batch %s: %d tables lined up (reference tables read) in %d ms", batchId,
                    batch.getOutputs().size(), elapsedMillis(started));
        } else {
            LOG.infof("Transform batch %s was already written; archiving its extract objects", batchId);
        }
        return batch;
    }

    /**
     * The Parquet parts of one warehouse table, each a view of its next rows (at most
     * {@code ETL_TRANSFORM_ROWS_PER_FILE}), read as the part is written.
     */
    public Iterator<Iterator<GenericRecord>> files(@Body TableOutput output) {
        return new ParquetParts(output.rows().get(), settings.rowsPerFile());
    }

    /**
     * Writes one Parquet part from its rows as they stream: the body becomes the Parquet
     * object (spooled to disk when large), the property {@code parquetPart} its row count
     * and footer. A table's columns carry its Iceberg table's field ids.
     */
    public void writeParquet(Exchange exchange, @Body Iterator<GenericRecord> rows,
            @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch,
            @ExchangeProperty(TABLE_PROPERTY) TableOutput output) throws IOException {
        long started = System.nanoTime();
        CachedOutputStream parquet = new CachedOutputStream(exchange);
        ParquetPartWriter.WrittenPart written = parquetWriter.write(rows, output.table(), output.avroSchema(),
                fieldIds.of(output.lakeTable()), parquet);
        exchange.setProperty(WRITTEN_PART_PROPERTY, written);
        exchange.getMessage().setBody(parquet.newStreamCache());
        LOG.debugf("Transform batch %s: %s part of %d rows written in %d ms", batch.getId(), output.getTableName(),
                written.rows(), elapsedMillis(started));
    }

    /**
     * Describes a marshalled Parquet object: its key, size and checksum go to the headers and
     * the manifest. A table's part is a data file of its Iceberg table, where the table keeps
     * it, and so is a part of its deletions, in the table of its deletions.
     */
    public void describeParquet(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch,
            @ExchangeProperty(TABLE_PROPERTY) TableOutput output,
            @ExchangeProperty(WRITTEN_PART_PROPERTY) ParquetPartWriter.WrittenPart written) throws IOException {
        WarehouseTable table = output.table();
        boolean deletions = output.deletions();
        String key = LakeLayout.tableFileKey(output.getTableName(), batch.getId(), batch.attempt(), "part",
                deletions ? batch.nextDeletionsPart(table) : batch.nextPart(table));
        ObjectDescription parquet = ObjectDescription.describe(exchange.getMessage(), LakeLayout.located(key),
                ParquetPartWriter.CONTENT_TYPE);
        BatchManifest.Entry entry = new BatchManifest.Entry(table.tableName(), key, written.rows(), parquet.bytes(),
                parquet.sha256(), null);
        if (deletions) {
            batch.deletionsWritten(entry, written);
        } else {
            batch.written(entry, written);
        }
    }

    /**
     * A source object turned out unreadable while its table streamed: the table's parts
     * written so far go, and the object is marked for quarantine. The batch goes on.
     */
    public void reject(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch,
            @ExchangeProperty(TABLE_PROPERTY) TableOutput output) {
        InvalidSourceDataException invalid = ObjectHelper.getException(InvalidSourceDataException.class, failure);
        if (invalid == null) {
            throw new IllegalStateException("not a rejection of source data", failure);
        }
        for (BatchManifest.Entry part : batch.unwrite(output.table())) {
            processed.objects().delete(LakeLayout.located(part.key()));
        }
        quarantine.quarantine(batch, invalid);
    }

    /** A manifest that cannot be trusted: quarantined with its batch ({@link RefusedManifests}). */
    public void rejectManifest(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty(MANIFEST_KEY_PROPERTY) String manifestKey) {
        refusedManifests.quarantine(PipelineStage.TRANSFORM, ingest, failure, manifestKey);
    }

    /** The batch's Parquet manifest, ready to be written to the processed bucket. */
    public byte[] manifest(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) TransformBatch batch)
            throws JsonProcessingException {
        LOG.debugf("Transform batch %s: every table written and uploaded %d ms after the batch opened",
                batch.getId(),
                Duration.between(batch.startedAt(), clock.instant()).toMillis());
        batch.coverage().ifPresent(range -> state.covered(batch.getId(), range[0], range[1]));
        return BatchManifest.transform(batch.getId(), clock.instant(), batch.extractManifest().highWater())
                .objects(batch.written()).quarantined(batch.quarantined()).deletions(batch.deletionsWritten())
                .schemas(WarehouseTable.manifestSchemas(batch.written())).build()
                .toMessage(exchange.getMessage(), json);
    }

    /**
     * Moves the extract batch out of {@code input/}: unreadable objects to
     * {@code quarantine/} beside their report, the others to {@code processed/}, the
     * manifest last. Repeating it after a crash completes it.
     */
    public void archive(@ExchangeProperty(BATCH_PROPERTY) TransformBatch batch) {
        long started = System.nanoTime();
        ingest.archive(batch.extractManifestKey(), batch.extractManifest(), batch.quarantined());
        LOG.debugf("Transform batch %s: extract objects archived in %d ms", batch.getId(), elapsedMillis(started));
        if (batch.isPending()) {
            batch.deletionsWritten().forEach(entry -> metrics.rows(PipelineStage.TRANSFORM,
                    WarehouseDeletions.tableName(WarehouseTable.byTableName(entry.table()).orElseThrow()),
                    entry.rows()));
            publishedBatches.published(PipelineStage.TRANSFORM, batch.getId(), batch.startedAt(), batch.written());
            LOG.infof("Transform batch %s published: %s%s in the Iceberg tables of s3://%s/%s/", batch.getId(),
                    batch.written().stream().collect(Collectors.groupingBy(BatchManifest.Entry::table,
                            LinkedHashMap::new, Collectors.summingLong(BatchManifest.Entry::rows))),
                    batch.deletionsWritten().isEmpty() ? "" : ", deleted: " + batch.deletionsWritten().stream()
                            .collect(Collectors.groupingBy(BatchManifest.Entry::table, LinkedHashMap::new,
                                    Collectors.summingLong(BatchManifest.Entry::rows))),
                    processed.bucket(), LakeLayout.TABLES);
        }
    }

    private static long elapsedMillis(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
