package io.totesys.pipeline.starschema;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
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

    void quarantine(TransformBatch batch, BatchManifest.Quarantined object) {
        batch.quarantined(object);
        metrics.quarantined(PipelineStage.TRANSFORM, object.table());
        LOG.warnf("Transform batch %s quarantined %s: row %s%s: %s; see %s", batch.getId(), object.table(),
                object.row(), object.column() == null ? "" : ", column " + object.column(), object.problem(),
                ingest.quarantineReportLocation(object.key()));
    }
}
