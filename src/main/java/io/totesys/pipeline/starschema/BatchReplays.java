package io.totesys.pipeline.starschema;

import java.time.DateTimeException;
import java.util.Arrays;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeObjectException;
import io.totesys.pipeline.stage.QuarantinedBatches;
import io.totesys.pipeline.stage.ReplayRequests;

/**
 * Honours an operator's requests to replay extract batches ({@code pipeline.replay_request}
 * rows with a {@code batch_id}), at the start of a transform run, under the stage's lock. A
 * requested batch's objects move back under {@code input/} of the ingest bucket from
 * {@code processed/} and {@code quarantine/} (where the operator fixed or restored them), a
 * batch whose manifest was quarantined is no longer counted as such ({@link QuarantinedBatches}),
 * and what its earlier transform wrote to the processed bucket goes; the transform then takes it
 * as a new batch, and the load loads its new Parquet manifest. A replayed batch is older than
 * the batches loaded since: the load keeps their dimension versions and current facts, and
 * appends only fact versions not there yet.
 * <p>
 * A batch whose earlier Parquet batch is still waiting for the load is left for a later run,
 * so that the load never reads objects the transform is writing again. A request S3 fails
 * (an object refused or archived) stops nothing: it is tried again later, a bounded number of
 * times, then closed with its reason ({@link ReplayRequests#failed}).
 */
@ApplicationScoped
class BatchReplays {

    private static final Logger LOG = Logger.getLogger(BatchReplays.class);

    private final LakeBatches ingest;
    private final LakeBatches processed;
    private final ReplayRequests requests;
    private final QuarantinedBatches quarantined;

    BatchReplays(@Named("ingestBatches") LakeBatches ingest, @Named("processedBatches") LakeBatches processed,
            ReplayRequests requests, QuarantinedBatches quarantined) {
        this.ingest = ingest;
        this.processed = processed;
        this.requests = requests;
        this.quarantined = quarantined;
    }

    /** Puts every batch an open request names back under {@code input/}, oldest request first. */
    void restoreRequested() {
        for (ReplayRequests.Request request : requests.openBatchReplays()) {
            restore(request);
        }
    }

    private void restore(ReplayRequests.Request request) {
        BatchId batch;
        try {
            batch = new BatchId(request.subject().strip());
            batch.date();
        } catch (IllegalArgumentException | DateTimeException e) {
            reject(request, "'" + request.subject() + "' is not a batch id (yyyyMMdd'T'HHmmssSSS'Z'-xxxxxx)");
            return;
        }
        try {
            restore(request, batch);
        } catch (LakeObjectException e) {
            failed(request, e);
        }
    }

    private void restore(ReplayRequests.Request request, BatchId batch) {
        if (!ingest.holds(batch)) {
            reject(request, "s3://" + ingest.bucket() + " holds no manifest of batch " + batch
                    + " under input/, processed/ or quarantine/; put its manifest and objects back first");
            return;
        }
        if (processed.isPending(batch)) {
            LOG.infof("Replay request %d: batch %s is still to be loaded; it is replayed once the load took it",
                    request.id(), batch);
            return;
        }
        int discarded = processed.archived().discard(batch, starSchemaTables());
        List<String> restored = ingest.archived().restore(batch, SourceTable.tableNames());
        quarantined.replayed(batch.value());
        String outcome = ReplayRequests.RESTORED + restored.size() + " objects of batch " + batch
                + " under input/ of s3://"
                + ingest.bucket() + " and removed the " + discarded + " objects of its earlier transform; the "
                + "transform and the load take it again";
        requests.done(request, outcome);
        LOG.infof("Replay request %d: %s", request.id(), outcome);
    }

    /**
     * A request S3 failed (an object refused or archived): the transform goes on with other
     * batches, and the request is tried again after its wait, or closed with the reason.
     */
    private void failed(ReplayRequests.Request request, LakeObjectException e) {
        String reason = e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage());
        ReplayRequests.Failure failure = requests.failed(request, reason);
        if (failure.closed()) {
            LOG.warnf("Replay request %d closed, not replayed after %d attempts: %s; once the objects can be read "
                    + "(permissions, archived objects restored), ask for the replay again", request.id(),
                    failure.attempts(), reason);
        } else {
            LOG.warnf("Replay request %d failed (attempt %d of %d), tried again in %d s while the stages go on: %s",
                    request.id(), failure.attempts(), requests.attempts(), failure.retryIn().toSeconds(), reason);
        }
    }

    private void reject(ReplayRequests.Request request, String problem) {
        requests.done(request, "not replayed: " + problem);
        LOG.warnf("Replay request %d not honoured: %s", request.id(), problem);
    }

    private static List<String> starSchemaTables() {
        return Arrays.stream(WarehouseTable.values()).map(WarehouseTable::tableName).toList();
    }
}
