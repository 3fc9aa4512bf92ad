package io.totesys.pipeline.source;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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
import io.totesys.pipeline.stage.ReplayRequests;
import io.totesys.pipeline.stage.StageLocks;
import io.totesys.pipeline.stage.StageRuns;

/**
 * The extract stage's processor bean: the steps of {@code routes/extract.camel.yaml}.
 * <p>
 * A batch opens a snapshot of ToteSys, reads from it each table's row versions written by
 * transactions the lake does not hold yet, and the keys of its rows deleted since, as CSV
 * records; records each written CSV object, then stages its key changes and read horizon,
 * writes the manifest and, last, moves the watermarks on. A failed batch removes what it
 * wrote; a batch cut short by a crash is completed or removed by the next one.
 */
@ApplicationScoped
@Named("extractBatches")
public class ExtractBatches {

    /** The exchange property that carries the running {@link ExtractBatch}. */
    public static final String BATCH_PROPERTY = "extractBatch";
    /**
     * The exchange property that carries the records being written, as {@link ExtractedRecords}:
     * changed rows or deletions (the name is the one route files of earlier releases set).
     */
    public static final String ROWS_PROPERTY = "changedRows";
    /** The exchange property that carries the re-extract requests the running batch honours. */
    public static final String REEXTRACT_PROPERTY = "reextractRequests";
    /** The table whose records a deletion check follows. */
    public static final String TABLE_PROPERTY = "sourceTable";
    /**
     * How many transactions a read horizon may be behind the snapshot before the batch reads
     * whole tables instead: {@code age()} is a 32-bit difference, exact to 2^31.
     */
    static final long MAXIMUM_HORIZON_AGE = 1L << 30;

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
    private final SchemaChanges schemaChanges;
    private final ReplayRequests replayRequests;
    private final ChecksumMirror mirror;
    private final Clock clock;
    private final AtomicBoolean backfillPending;
    private final Map<SourceTable, Long> deletionCountersChecked = new ConcurrentHashMap<>();

    /** Notes each completed batch in the pipeline schema, for the status page. */
    @Inject
    StageRuns runs;

    ExtractBatches(@DataSource("totesys") AgroalDataSource totesys, ExtractSettings settings, ExtractState state,
            PipelineSchema schema, LakeBuckets buckets, @Named("ingestBatches") LakeBatches ingest, ObjectMapper json,
            PipelineMetrics metrics, StageLocks stageLocks, SchemaChanges schemaChanges, ReplayRequests replayRequests,
            ChecksumMirror mirror) {
        this.totesys = totesys;
        this.settings = settings;
        this.state = state;
        this.schema = schema;
        this.buckets = buckets;
        this.ingest = ingest;
        this.json = json;
        this.metrics = metrics;
        this.stageLocks = stageLocks;
        this.schemaChanges = schemaChanges;
        this.replayRequests = replayRequests;
        this.mirror = mirror;
        this.clock = Clock.systemUTC();
        this.backfillPending = new AtomicBoolean(settings.backfillAtStart());
    }

    /**
     * Opens the next batch: checks the lake and the pipeline's state, settles any batch a
     * crash left unfinished, takes a snapshot of ToteSys and fixes each table's window.
     */
    public ExtractBatch open(Exchange exchange) {
        holdAndSettle(exchange);

        Map<SourceTable, ExtractState.Position> positions = new EnumMap<>(SourceTable.class);
        if (!backfillPending.get()) {
            positions.putAll(state.positions());
        }
        List<ReplayRequests.Request> reextracts = reextractRequests();
        reextracts.forEach(request -> positions.remove(SourceTable.byTableName(request.subject()).orElseThrow()));
        BatchId batchId = BatchId.startingAt(clock.instant());
        SourceSnapshot snapshot = SourceSnapshot.open(totesys, settings.fetchSize());
        try {
            Map<SourceTable, SourceSchema> schemas = snapshot.schemas();
            Set<SourceTable> held = held(schemaChanges.review(batchId, schemas));
            Map<SourceTable, ChangeWindow> windows = new EnumMap<>(SourceTable.class);
            for (SourceTable table : SourceTable.values()) {
                if (!held.contains(table)) {
                    windows.put(table, window(positions.get(table), snapshot.transactions()));
                }
            }
            exchange.setProperty(REEXTRACT_PROPERTY, reextracts.stream()
                    .filter(request -> !held.contains(SourceTable.byTableName(request.subject()).orElseThrow()))
                    .toList());
            ExtractBatch batch = new ExtractBatch(batchId, clock.instant(), snapshot, windows, schemas,
                    state.liveKeys(), this::undo, mirror.forBatch(batchId), null);
            exchange.getExchangeExtension().addOnCompletion(batch);
            return batch;
        } catch (RuntimeException e) {
            snapshot.close();
            throw e;
        }
    }

    /**
     * The tables the batch holds: those whose columns the star schema cannot take, or, with
     * {@code ETL_SCHEMA_CHANGE_POLICY=hold-pipeline}, none: the batch fails instead.
     */
    private Set<SourceTable> held(Map<SourceTable, String> conflicts) {
        if (!conflicts.isEmpty() && settings.policy() == SchemaChangePolicy.HOLD_PIPELINE) {
            throw new SchemaChangeException("Extract holds every table (ETL_SCHEMA_CHANGE_POLICY=hold-pipeline) for "
                    + String.join(" Also ", conflicts.values()));
        }
        return conflicts.keySet();
    }

    /**
     * What every run of the extract stage starts with, a batch or a reconciliation: checks
     * the lake and the pipeline's state, holds the stage's lock until the exchange completes,
     * settles any batch a crash left unfinished and forgets the row checksums it staged.
     */
    void holdAndSettle(Exchange exchange) {
        buckets.verifyIngest();
        schema.ensureMigrated();
        stageLocks.holdFor(PipelineStage.EXTRACT, exchange);
        state.unfinishedBatches().forEach(this::settle);
        mirror.discardAllStaged();
    }

    /**
     * Opens the repair batch of a reconciliation that found differences, on its snapshot
     * and under its lock: it reads again the rows found missing or changed, and records the
     * keys found extra as deleted; the tables' read horizons stay as they are.
     */
    public ExtractBatch openRepair(Exchange exchange,
            @ExchangeProperty(Reconciliation.PROPERTY) Reconciliation reconciliation) {
        Map<SourceTable, ChangeWindow> windows = new EnumMap<>(SourceTable.class);
        for (SourceTable table : reconciliation.tablesToRepair()) {
            ExtractState.Position position = reconciliation.position(table);
            windows.put(table,
                    new ChangeWindow(ChangeWindow.Kind.SINCE_HORIZON, position.highWater(), position.readHorizon()));
        }
        BatchId id = BatchId.startingAt(clock.instant());
        ExtractBatch batch = new ExtractBatch(id, clock.instant(), reconciliation.snapshot(), windows,
                reconciliation.snapshot().schemas(), reconciliation.liveKeys(), this::undo, mirror.forBatch(id),
                reconciliation);
        exchange.getExchangeExtension().addOnCompletion(batch);
        return batch;
    }

    /**
     * The open requests to extract a table again whole ({@code pipeline.replay_request} rows
     * with a {@code table_name}): this batch reads those tables whole, as a first run does. A
     * request naming a table the catalogue does not have is closed with the reason.
     */
    private List<ReplayRequests.Request> reextractRequests() {
        List<ReplayRequests.Request> honoured = new ArrayList<>();
        for (ReplayRequests.Request request : replayRequests.openReextracts()) {
            if (SourceTable.byTableName(request.subject()).isPresent()) {
                honoured.add(request);
                LOG.infof("Re-extract request %d: this batch reads %s whole", request.id(), request.subject());
            } else {
                String problem = "'" + request.subject() + "' is not a table of the ToteSys catalogue "
                        + SourceTable.tableNames();
                replayRequests.done(request, "not re-extracted: " + problem);
                LOG.warnf("Re-extract request %d not honoured: %s", request.id(), problem);
            }
        }
        return honoured;
    }

    /** What a batch reads of a table, given where the table was read up to. */
    private static ChangeWindow window(ExtractState.Position position, TransactionSnapshot current) {
        if (position == null) {
            return ChangeWindow.ofWholeTable();
        }
        TransactionSnapshot horizon = position.readHorizon();
        if (horizon == null) {
            return new ChangeWindow(ChangeWindow.Kind.SINCE_WATERMARK, position.highWater(), null);
        }
        if (current.xmax() < horizon.xmax() || current.xmax() - horizon.xmin() > MAXIMUM_HORIZON_AGE) {
            LOG.warnf("ToteSys's transaction ids (now %d) no longer follow on from the read horizon %s (a restore, "
                    + "or over a billion transactions since): this batch reads whole tables", current.xmax(), horizon);
            return ChangeWindow.ofWholeTable();
        }
        return new ChangeWindow(ChangeWindow.Kind.SINCE_HORIZON, position.highWater(), horizon);
    }

    /** The changed rows of one table in the batch's window, as a stream of CSV records. */
    public ChangedRows changedRows(@Body SourceTable table, @ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch) {
        if (batch.isRepair()) {
            return batch.snapshot().rowsWithKeys(batch.schema(table), batch.repairing().toRead(table),
                    batch.keys(table), batch.checksums());
        }
        ChangeWindow window = batch.window(table);
        if (window.kind() == ChangeWindow.Kind.SINCE_WATERMARK) {
            batch.transactionsRead().addAll(batch.snapshot().recentTransactions(table));
        }
        return batch.snapshot().changedRows(batch.schema(table), window, batch.keys(table),
                batch.transactionsRead(), batch.checksums());
    }

    /**
     * The keys of a table's rows deleted since the previous batch, as a stream of CSV
     * records, once its changed rows are read: the keys the lake holds as live that the
     * snapshot no longer has. The table is read for them only when its deletion counter
     * moved (or cannot be trusted), and its keys only when its row count says some are gone.
     */
    public DeletedRows deletedRows(@ExchangeProperty(TABLE_PROPERTY) SourceTable table,
            @ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch) {
        SourceSnapshot snapshot = batch.snapshot();
        ChangeWindow window = batch.window(table);
        SourceKeys held = batch.keys(table);
        if (batch.isRepair()) {
            SourceKeys extra = batch.repairing().extra(table);
            extra.forEach(held::remove);
            batch.checksums().deleted(table, extra);
            return new DeletedRows(table, extra, BatchManifest.sourceTimestamp(batch.databaseNow()));
        }
        Long checked = deletionCountersChecked.get(table);
        boolean counterMoved = checked == null || !snapshot.deletionCounter(table).equals(Optional.of(checked));
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

    private static int first(SourceKeys keys) {
        int[] first = new int[1];
        keys.forEach(key -> first[0] = first[0] == 0 ? key : first[0]);
        return first[0];
    }

    /**
     * Describes a marshalled CSV object before it is written: its key, size and checksum
     * go into the S3 headers and the batch's manifest entries. The first object of a batch
     * records the batch as started, so that a crash from here on is settled by the next run.
     */
    public void describeCsv(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch,
            @ExchangeProperty(ROWS_PROPERTY) ExtractedRecords rows) throws IOException {
        if (!batch.recordedAsStarted()) {
            state.started(batch.getId(), batch.highWater(), batch.snapshot().transactions(), batch.held(),
                    batch.isRepair());
            batch.markRecordedAsStarted();
        }
        Message message = exchange.getMessage();
        SourceTable table = rows.table();
        String key = rows.deletions() ? LakeLayout.deletionsKey(table.tableName(), batch.getId())
                : LakeLayout.dataKey(table.tableName(), batch.getId(), "csv");
        ObjectDescription csv = ObjectDescription.describe(message, LakeLayout.input(key), CSV_CONTENT_TYPE);
        ChangeWindow window = batch.window(table);
        batch.added(new BatchManifest.Entry(table.tableName(), key, rows.rowCount(), csv.bytes(), csv.sha256(),
                window.wholeTable() ? null : BatchManifest.sourceTimestamp(window.from())), rows.deletions());
    }

    /**
     * The batch's manifest, ready to be written under {@code input/}. First the batch's
     * read horizon and key changes are staged, so that a restart that finds the manifest
     * can publish the batch whole.
     */
    public byte[] manifest(Exchange exchange, @ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch)
            throws JsonProcessingException {
        state.staged(batch.getId(), batch.readHorizon(), batch.keys());
        return new BatchManifest(batch.getId().value(), "extract", clock.instant(),
                BatchManifest.sourceTimestamp(batch.highWater()), batch.objects(), List.of(), batch.deletions(),
                batch.snapshot().transactions().toString(), batch.changesSince(), batch.isRepair(),
                batch.isRepair() ? batch.repairing().repairReasons() : List.of(), batch.manifestSchemas())
                .toMessage(exchange.getMessage(), json);
    }

    /**
     * Moves the watermarks on: for a batch with objects, after its manifest is written; for
     * a poll that found no changes, without writing anything to the lake.
     */
    public void publish(@ExchangeProperty(BATCH_PROPERTY) ExtractBatch batch,
            @ExchangeProperty(REEXTRACT_PROPERTY) List<ReplayRequests.Request> reextracts) {
        if (batch.isRepair()) {
            publishRepair(batch);
            return;
        }
        if (batch.isEmpty()) {
            state.advancedWithoutChanges(batch.highWater(), batch.readHorizon(), batch.keys(), batch.held());
            LOG.debugf("Extract found no changes up to %s", BatchManifest.sourceTimestamp(batch.highWater()));
        } else {
            state.published(batch.getId(), batch.highWater(), batch.rowCount());
            batch.objects().forEach(entry -> metrics.rows(PipelineStage.EXTRACT, entry.table(), entry.rows()));
            metrics.batchDuration(PipelineStage.EXTRACT, Duration.between(batch.startedAt(), clock.instant()));
            runs.completed(PipelineStage.EXTRACT, batch.getId(), batch.startedAt(), batch.objects());
            LOG.infof("Extract batch %s published: %s rows up to %s %s", batch.getId(), batch.rowCount(),
                    BatchManifest.sourceTimestamp(batch.highWater()), contents(batch));
        }
        SourceSnapshot snapshot = batch.snapshot();
        for (SourceTable table : batch.getTables()) {
            snapshot.deletionCounter(table).ifPresentOrElse(counter -> deletionCountersChecked.put(table, counter),
                    () -> deletionCountersChecked.remove(table));
        }
        backfillPending.set(false);
        for (ReplayRequests.Request request : reextracts == null ? List.<ReplayRequests.Request>of() : reextracts) {
            replayRequests.done(request, batch.isEmpty() ? "extracted whole: the table has no rows"
                    : "extracted whole in batch " + batch.getId());
        }
    }

    /** Publishes a repair batch: its rows and deletions join the lake; the watermarks stay. */
    private void publishRepair(ExtractBatch batch) {
        if (!batch.isEmpty()) {
            state.published(batch.getId(), batch.highWater(), batch.rowCount());
            batch.objects().forEach(entry -> metrics.rows(PipelineStage.EXTRACT, entry.table(), entry.rows()));
            runs.completed(PipelineStage.EXTRACT, batch.getId(), batch.startedAt(), batch.objects());
            LOG.infof("Repair batch %s of reconciliation %s published: %s rows %s", batch.getId(),
                    batch.repairing().getId(), batch.rowCount(), contents(batch));
        }
        batch.repairing().repairedBy(batch);
    }

    /** What a published batch holds, for its log line: {@code (table rows, ...), deleted: ... in s3://...}. */
    private String contents(ExtractBatch batch) {
        return "(" + batch.objects().stream().map(entry -> entry.table() + " " + entry.rows())
                .collect(Collectors.joining(", ")) + ")"
                + (batch.deletions().isEmpty() ? "" : batch.deletions().stream()
                        .map(entry -> entry.table() + " " + entry.rows())
                        .collect(Collectors.joining(", ", ", deleted: ", "")))
                + " in s3://" + ingest.bucket() + "/" + LakeLayout.INPUT;
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
            ingest.objects().delete(LakeLayout.input(LakeLayout.deletionsKey(table.tableName(), batchId)));
        }
    }

}
