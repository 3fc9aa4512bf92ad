package io.totesys.pipeline.extract;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;

/**
 * Settles extract batches that a failure or a crash cut short: a batch whose manifest made it
 * to the lake is published as it is; any other is removed, objects and state, and its rows
 * follow in the next batch.
 */
@ApplicationScoped
public class BatchSettlement {

    private static final Logger LOG = Logger.getLogger(BatchSettlement.class);

    private final ExtractState state;
    private final LakeBatches ingest;

    BatchSettlement(ExtractState state, @Named("ingestBatches") LakeBatches ingest) {
        this.state = state;
        this.ingest = ingest;
    }

    /** Settles every batch recorded as started and not finished: what a restart does first. */
    void settleUnfinished() {
        state.unfinishedBatches().forEach(this::settle);
    }

    /**
     * Settles a failed batch at once, as the next batch would after a crash: what it wrote
     * goes, unless its manifest made it to the lake. If the lake or the warehouse is what
     * failed, the batch stays recorded as started and the next batch settles it.
     */
    void undo(ExtractBatch batch) {
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
