package io.totesys.pipeline.starschema;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
import io.totesys.pipeline.lake.csv.LeftOutRow;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineStage;

/**
 * Marks a source object of a transform batch for quarantine, counts it and says so in one
 * line; the batch's archiving moves it to {@code quarantine/} beside its report.
 */
@ApplicationScoped
class TransformQuarantine {

    private static final Logger LOG = Logger.getLogger(TransformQuarantine.class);

    private final LakeBatches ingest;
    private final PipelineMetrics metrics;

    TransformQuarantine(@Named("ingestBatches") LakeBatches ingest, PipelineMetrics metrics) {
        this.ingest = ingest;
        this.metrics = metrics;
    }

    /** The object of the table whose data turned out invalid. */
    void quarantine(TransformBatch batch, InvalidSourceDataException invalid) {
        quarantine(batch, new BatchManifest.Quarantined(invalid.table().tableName(),
                batch.sourceObject(invalid.table()).orElseThrow().key(), invalid.row(), invalid.column(),
                invalid.problem()));
    }

    /**
     * A row left out of a source object whose other rows go on: a value past
     * {@code ETL_MAX_FIELD_LENGTH}. What to do next is in the report, since a replay alone
     * would leave it out again.
     */
    void leaveOut(TransformBatch batch, BatchManifest.Entry object, LeftOutRow row) {
        BatchManifest.Quarantined left = new BatchManifest.Quarantined(row.table().tableName(), object.key(),
                row.row(), row.column(), row.problem() + ": the row is left out of the warehouse, the rest of the "
                        + "object goes on; shorten the value in ToteSys (the next extract carries the row again), "
                        + "or raise ETL_MAX_FIELD_LENGTH and replay the batch",
                row.key());
        batch.quarantined(left);
        metrics.quarantinedRow(PipelineStage.TRANSFORM, left.table());
        LOG.warnf("Transform batch %s left out %s row %d (key %d), column %s: %s; see %s", batch.getId(),
                left.table(), left.row(), left.rowKey(), left.column(), row.problem(),
                ingest.quarantineReportLocation(left));
    }

    void quarantine(TransformBatch batch, BatchManifest.Quarantined object) {
        batch.quarantined(object);
        metrics.quarantined(PipelineStage.TRANSFORM, object.table());
        LOG.warnf("Transform batch %s quarantined %s: row %s%s: %s; see %s", batch.getId(), object.table(),
                object.row(), object.column() == null ? "" : ", column " + object.column(), object.problem(),
                ingest.quarantineReportLocation(object.key()));
    }
}
