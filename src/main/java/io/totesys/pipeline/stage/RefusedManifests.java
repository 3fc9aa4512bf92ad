package io.totesys.pipeline.stage;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.camel.util.ObjectHelper;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.InvalidManifestException;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;

/**
 * What the transform and the load do with a manifest they cannot trust
 * ({@link InvalidManifestException}): it moves to {@code quarantine/} with the objects of its
 * batch, beside a report that says why, the batch is recorded as quarantined
 * ({@link QuarantinedBatches}) and counted, and the stage goes on to the next batch.
 */
@ApplicationScoped
public class RefusedManifests {

    private static final Logger LOG = Logger.getLogger(RefusedManifests.class);

    private final QuarantinedBatches quarantinedBatches;
    private final PipelineMetrics metrics;

    RefusedManifests(QuarantinedBatches quarantinedBatches, PipelineMetrics metrics) {
        this.quarantinedBatches = quarantinedBatches;
        this.metrics = metrics;
    }

    /**
     * Quarantines the manifest under a key of the bucket a stage consumes, refused for the
     * failure caught; a failure that is not an {@link InvalidManifestException} is no refusal.
     */
    public void quarantine(PipelineStage stage, LakeBatches bucket, Exception failure, String manifestKey) {
        InvalidManifestException invalid = ObjectHelper.getException(InvalidManifestException.class, failure);
        if (invalid == null) {
            throw new IllegalStateException("not a rejection of the manifest " + manifestKey, failure);
        }
        quarantinedBatches.quarantined(LakeLayout.batchIdOf(invalid.key()), stage, invalid.problem());
        List<String> objects = bucket.quarantineManifest(manifestKey, invalid.problem());
        metrics.quarantined(stage, LakeLayout.MANIFESTS);
        LOG.warnf("The %s quarantined the manifest %s with the %d objects of its batch: %s; see %s",
                stage.stageName(), invalid.key(), objects.size(), invalid.problem(),
                bucket.quarantineReportLocation(invalid.key()));
    }
}
