package io.totesys.pipeline.warehouse;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.util.ObjectHelper;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.InvalidLakeObjectException;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineSchema;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.PipelineStateException;
import io.totesys.pipeline.stage.PublishedBatches;
import io.totesys.pipeline.stage.RefusedManifests;
import io.totesys.pipeline.stage.StageStart;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The load stage's processor bean: the steps of {@code routes/load.camel.yaml}.
 * <p>
 * A Parquet batch is loaded in one warehouse transaction: its rows are copied into
 * temporary staging tables ({@code COPY}), then merged set-wise ({@link MergeStatements}),
 * dimensions first, then facts, then the deletions the batch brings, and the batch id goes
 * into the {@link LoadLog}. A batch already in the log is not loaded again. Only after commit do the batch's Parquet objects
 * move from {@code input/} to {@code processed/}.
 */
@ApplicationScoped
@Named("warehouseLoads")
public class WarehouseLoads {

    /** The exchange property that carries the running {@link LoadBatch}. */
    public static final String BATCH_PROPERTY = "loadBatch";
    /** The exchange property that carries the Parquet object being staged. */
    public static final String OBJECT_PROPERTY = "parquetObject";
    /** The exchange property that carries the key of the Parquet manifest being loaded. */
    public static final String MANIFEST_KEY_PROPERTY = "parquetManifestKey";

    private static final Logger LOG = Logger.getLogger(WarehouseLoads.class);

    private final LoadBatchOpener opener;
    private final LakeBatches processed;
    private final LoadLog loadLog;
    private final PipelineSchema schema;
    private final PipelineMetrics metrics;
    private final PublishedBatches publishedBatches;
    private final ZoneId sourceZone;

    /** Quarantines a manifest the stage cannot trust, with its batch. */
    @Inject
    RefusedManifests refusedManifests;

    WarehouseLoads(LoadBatchOpener opener, @Named("processedBatches") LakeBatches processed, LoadLog loadLog,
            PipelineSchema schema, PipelineMetrics metrics, PublishedBatches publishedBatches,
            PipelineSettings settings) {
        this.opener = opener;
        this.processed = processed;
        this.loadLog = loadLog;
        this.schema = schema;
        this.metrics = metrics;
        this.publishedBatches = publishedBatches;
        this.sourceZone = settings.source().timeZone();
    }

    /**
     * The manifests of Parquet batches not yet archived, oldest first, listed once the run
     * holds the stage (step {@code hold-load-stage}).
     */
    public List<String> pendingManifests(Exchange exchange) {
        StageStart.requireHeld(PipelineStage.LOAD, exchange);
        return processed.pendingManifests();
    }

    /**
     * Opens the load of the Parquet batch whose manifest key is the body ({@link LoadBatchOpener}):
     * begins the warehouse transaction, waits for any other loader, and checks the load log.
     */
    public LoadBatch open(@Body String manifestKey, Exchange exchange) {
        schema.ensureMigrated();
        BatchManifest manifest = processed.manifest(manifestKey, WarehouseTable.manifestCatalogue());
        LoadBatch batch = opener.open(manifestKey, manifest);
        exchange.getExchangeExtension().addOnCompletion(batch);
        return batch;
    }

    /** Whether the object is to be loaded: not when another object of its table and kind was quarantined. */
    public boolean accepts(@ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object,
            @ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        return !batch.isQuarantined(object);
    }

    /**
     * Reads a Parquet object, checked against its manifest entry, and copies its rows into
     * its table's staging table; returns how many rows it staged. The object is read here
     * and closed at once: the route's parquetAvro data format would leave its reader, and
     * with it the object's bytes, to the end of the whole batch.
     */
    public long stage(@ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object,
            @ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        StagedTable table = StagedTable.of(object).orElseThrow(
                () -> new InvalidLakeObjectException(object.key(), "its table " + object.table()
                        + " is not in the star schema" + (LakeLayout.isDeletions(object.key())
                                ? " or records no deletions" : ""),
                        null));
        byte[] parquet = processed.readVerified(object);
        Optional<WarehouseTable> straightIn = copiedStraightIn(object, batch);
        long count;
        try {
            if (straightIn.isPresent()) {
                count = StagingTables.copyStraightIn(batch.connection(), straightIn.get(), batch.getId(),
                        object.key(), parquet);
                batch.copiedStraightIn(straightIn.get(), count);
            } else {
                count = StagingTables.copy(batch.connection(), table, object.key(), parquet);
            }
        } catch (SQLException | IOException e) {
            throw new PipelineStateException("copying " + object.key() + " into the warehouse failed", e);
        }
        if (count != object.rows()) {
            throw new InvalidLakeObjectException(object.key(), "it holds " + count + " rows, its manifest says "
                    + object.rows(), null);
        }
        return count;
    }

    /** The fact whose table the object's rows go into straight, not through staging ({@link LoadBatch#copiesStraightIn}). */
    private static Optional<WarehouseTable> copiedStraightIn(BatchManifest.Entry object, LoadBatch batch) {
        if (LakeLayout.isDeletions(object.key())) {
            return Optional.empty();
        }
        return WarehouseTable.byTableName(object.table()).filter(batch::copiesStraightIn);
    }

    /**
     * An object that cannot be trusted or is missing: its table's rows staged so far go, the
     * table's other objects are left out, and the object is marked for quarantine. The batch
     * goes on.
     */
    public void reject(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty(OBJECT_PROPERTY) BatchManifest.Entry object,
            @ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        InvalidLakeObjectException invalid = ObjectHelper.getException(InvalidLakeObjectException.class, failure);
        if (invalid == null) {
            throw new IllegalStateException("not a rejection of " + object.key(), failure);
        }
        Optional<StagedTable> table = StagedTable.of(object);
        Optional<WarehouseTable> straightIn = copiedStraightIn(object, batch);
        if (table.isPresent()) {
            try {
                if (straightIn.isPresent()) {
                    StagingTables.removeCopiedStraightIn(batch.connection(), straightIn.get(), batch.getId());
                    batch.removedStraightIn(straightIn.get());
                } else {
                    StagingTables.clear(batch.connection(), table.get());
                }
            } catch (SQLException e) {
                throw new PipelineStateException("removing the staged rows of " + object.table() + " failed", e);
            }
        }
        batch.quarantined(new BatchManifest.Quarantined(object.table(), object.key(), 0, null, invalid.problem()));
        metrics.quarantined(PipelineStage.LOAD, object.table());
        LOG.warnf("Load batch %s quarantined %s: %s; its table's rows of this batch are left out; see %s",
                batch.getId(), object.key(), invalid.problem(), processed.quarantineReportLocation(object.key()));
    }

    /** A manifest that cannot be trusted: quarantined with its batch ({@link RefusedManifests}). */
    public void rejectManifest(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure,
            @ExchangeProperty(MANIFEST_KEY_PROPERTY) String manifestKey) {
        refusedManifests.quarantine(PipelineStage.LOAD, processed, failure, manifestKey);
    }

    /**
     * Merges the staged rows into the star schema, dimensions first, records the batch in
     * the load log, and commits: all of it, or none of it.
     */
    public void commit(@ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        Connection connection = batch.connection();
        Map<String, Long> added;
        try {
            long started = System.nanoTime();
            added = StarSchemaMerge.merge(batch);
            LOG.debugf("Load batch %s: merged in %d ms", batch.getId(), (System.nanoTime() - started) / 1_000_000);
            if (batch.isBulk()) {
                started = System.nanoTime();
                int restored = ForeignKeyRestore.restore(connection,
                        (table, referencedTable) -> StarSchemaMerge.inferLate(batch, table, referencedTable));
                LOG.debugf("Load batch %s: foreign keys added in %d ms", batch.getId(),
                        (System.nanoTime() - started) / 1_000_000);
                LOG.infof("Load batch %s loaded in bulk: %d foreign keys added again, each validated once",
                        batch.getId(), restored);
            }
            loadLog.record(connection, batch, added);
            started = System.nanoTime();
            connection.commit();
            batch.committed();
            LOG.debugf("Load batch %s: committed in %d ms", batch.getId(), (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException e) {
            throw new PipelineStateException("loading batch " + batch.getId() + " into the warehouse failed", e);
        }
        publishedBatches.published(PipelineStage.LOAD, batch.getId(), batch.startedAt(), added);
        LocalDateTime highWater = batch.manifest().highWaterTime();
        LOG.infof("Load batch %s committed: %s new rows; the warehouse is %s s behind ToteSys", batch.getId(),
                added.isEmpty() ? "no" : added.toString(),
                highWater == null ? "?"
                        : Duration.between(highWater, LocalDateTime.now(sourceZone)).toMillis() / 1000.0);
    }

    /**
     * Moves the batch's Parquet objects from {@code input/}: those left out to
     * {@code quarantine/} beside their report, the others to {@code processed/}, the
     * manifest last. Repeating it after a crash completes it.
     */
    public void archive(@ExchangeProperty(BATCH_PROPERTY) LoadBatch batch) {
        processed.archive(batch.manifestKey(), batch.manifest(), batch.quarantined());
    }
}
