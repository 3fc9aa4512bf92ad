package io.totesys.pipeline.source;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeBuckets;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.ObjectDescription;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineSchema;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.StageLocks;

/**
 * The extract stage's processor bean: the steps of {@code routes/extract.camel.yaml}.
 * <p>
 * A batch opens a snapshot of ToteSys, reads each table's window from it as CSV records,
 * records each written CSV object, then writes the manifest and, last, moves the
 * watermarks on. A failed batch removes what it wrote; a batch cut short by a crash is
 * completed or removed by the next one.
 */
@ApplicationScoped
@Named("extractBatches")
public class ExtractBatches {

    /** The exchange property that carries the running {@link ExtractBatch}. */
    public static final String BATCH_PROPERTY = "extractBatch";
    /** The exchange property that carries the table being written, as {@link ChangedRows}. */
    public static final String ROWS_PROPERTY = "changedRows";

    private static final Logger LOG = Logger.getLogger(ExtractBatches.class);
    private static final String CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

    private final AgroalDataSource totesys;
    private final ExtractSettings settings;
    private final ExtractState state;
    private final PipelineSchema schema;
    private final LakeBuckets buckets;
    private final LakeBatches ingest;
    private final ObjectMapper json;
    private final PipelineMetrics metrics;
    private final StageLocks stageLocks;
    private final Clock clock;
    private final AtomicBoolean backfillPending;

    ExtractBatches(@DataSource("totesys") AgroalDataSource totesys, ExtractSettings settings, ExtractState state,
            PipelineSchema schema, LakeBuckets buckets, @Named("ingestBatches") LakeBatches ingest, ObjectMapper json,
            PipelineMetrics metrics, StageLocks stageLocks) {
        this.totesys = totesys;
        this.settings = settings;
        this.state = state;
        this.schema = schema;
        this.buckets = buckets;
        this.ingest = ingest;
        this.json = json;
        this.metrics = metrics;
        this.stageLocks = stageLocks;
        this.clock = Clock.systemUTC();
        this.backfillPending = new AtomicBoolean(settings.backfillAtStart());
    }

    /**
     * Opens the next batch: checks the lake and the pipeline's state, settles any batch a
     * crash left unfinished, takes a snapshot of ToteSys and fixes each table's window.
     */
    public ExtractBatch open(Exchange exchange) {
        buckets.verifyIngest();
        schema.ensureMigrated();
        stageLocks.holdFor(PipelineStage.EXTRACT, exchange);
        state.unfinishedBatches().forEach(this::settle);

        Map<SourceTable, LocalDateTime> watermarks = backfillPending.get() ? Map.of() : state.watermarks();
        SourceSnapshot snapshot = SourceSnapshot.open(totesys, settings.fetchSize(), settings.safetyMargin());
        Map<SourceTable, ChangeWindow> windows = new EnumMap<>(SourceTable.class);
        for (SourceTable table : SourceTable.values()) {
            windows.put(table, new ChangeWindow(watermarks.get(table), snapshot.highWater()));
        }
        ExtractBatch batch = new ExtractBatch(BatchId.startingAt(clock.instant()), clock.instant(), snapshot, windows,
                this::undo);
        exchange.getExchangeExtension().addOnCompletion(batch);
        return batch;
    }

    /** The changed rows of one table in the batch's window, as a stream of CSV records. */
    public ChangedRows changedRows(@Body SourceTable table, @ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch) {
        return batch.snapshot().changedRows(table, batch.window(table));
    }

    /**
     * Describes a marshalled CSV object before it is written: its key, size and checksum
     * go into the S3 headers and the batch's manifest entries. The first object of a batch
     * records the batch as started, so that a crash from here on is settled by the next run.
     */
    public void describeCsv(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch,
            @ExchangeProperty(ROWS_PROPERTY) ChangedRows rows) throws IOException {
        if (!batch.recordedAsStarted()) {
            state.started(batch.getId(), batch.highWater());
            batch.markRecordedAsStarted();
        }
        Message message = exchange.getMessage();
        SourceTable table = rows.table();
        String key = LakeLayout.dataKey(table.tableName(), batch.getId(), "csv");
        ObjectDescription csv = ObjectDescription.describe(message, LakeLayout.input(key), CSV_CONTENT_TYPE);
        ChangeWindow window = batch.window(table);
        batch.added(new BatchManifest.Entry(table.tableName(), key, rows.rowCount(), csv.bytes(), csv.sha256(),
                window.wholeTable() ? null : BatchManifest.sourceTimestamp(window.from())));
    }

    /** The batch's manifest, ready to be written under {@code input/}. */
    public byte[] manifest(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch)
            throws JsonProcessingException {
        return new BatchManifest(batch.getId().value(), "extract", clock.instant(),
                BatchManifest.sourceTimestamp(batch.highWater()), batch.objects(), List.of())
                .toMessage(exchange.getMessage(), json);
    }

    /**
     * Moves the watermarks on: for a batch with objects, after its manifest is written; for
     * a poll that found no changes, without writing anything to the lake.
     */
    public void publish(@ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch) {
        if (batch.isEmpty()) {
            state.advancedWithoutChanges(batch.highWater());
            LOG.debugf("Extract found no changes up to %s", BatchManifest.sourceTimestamp(batch.highWater()));
        } else {
            state.published(batch.getId(), batch.highWater(), batch.rowCount());
            batch.objects().forEach(entry -> metrics.rows(PipelineStage.EXTRACT, entry.table(), entry.rows()));
            metrics.batchDuration(PipelineStage.EXTRACT, Duration.between(batch.startedAt(), clock.instant()));
            LOG.infof("Extract batch %s published: %s rows up to %s (%s) in s3://%s/%s", batch.getId(),
                    batch.rowCount(), BatchManifest.sourceTimestamp(batch.highWater()),
                    batch.objects().stream().map(entry -> entry.table() + " " + entry.rows())
                            .collect(Collectors.joining(", ")),
                    ingest.bucket(), LakeLayout.INPUT);
        }
        backfillPending.set(false);
    }

    /**
     * Settles a failed batch at once, as the next batch would after a crash: what it wrote
     * goes, unless its manifest made it to the lake. If the lake or the warehouse is what
     * failed, the batch stays recorded as started and the next batch settles it.
     */
    private void undo(ExtractBatch batch) {
        if (!batch.recordedAsStarted()) {
            return;
        }
        try {
            settle(new ExtractState.UnfinishedBatch(batch.getId(), batch.highWater()));
        } catch (RuntimeException e) {
            LOG.warnf("Extract batch %s failed and cannot be settled now (%s); the next batch will settle it",
                    batch.getId(), e.getMessage());
        }
    }

    /** Completes a batch a crash cut short if its manifest was written, and removes it if not. */
    private void settle(ExtractState.UnfinishedBatch unfinished) {
        BatchId batchId = unfinished.batchId();
        if (ingest.hasManifest(batchId)) {
            state.published(batchId, unfinished.highWater(), null);
            LOG.infof("Extract batch %s had written its manifest before a restart: published it", batchId);
        } else {
            removeObjects(batchId);
            state.abandoned(batchId);
            LOG.infof("Extract batch %s was cut short before its manifest: removed its objects, its rows follow "
                    + "in the next batch", batchId);
        }
    }

    private void removeObjects(BatchId batchId) {
        for (SourceTable table : SourceTable.values()) {
            ingest.objects().delete(LakeLayout.input(LakeLayout.dataKey(table.tableName(), batchId, "csv")));
        }
    }

}
