package io.totesys.pipeline.iceberg;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.ExchangeProperty;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.starschema.TransformBatch;
import io.totesys.pipeline.starschema.TransformBatches;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The transform's step {@code commit-iceberg-tables} (routes/transform.camel.yaml): once every
 * table of a batch is written, each table it changed gets one Iceberg commit
 * ({@link BatchTableCommits}), in the star schema's order, before the batch's manifest hands
 * it to the load.
 */
@ApplicationScoped
@Named("icebergCommits")
public class IcebergCommits {

    private static final Logger LOG = Logger.getLogger(IcebergCommits.class);

    private final BatchTableCommits commits;

    IcebergCommits(BatchTableCommits commits) {
        this.commits = commits;
    }

    /** Commits every table the batch changed: one commit per table, each made once. */
    public void commit(@ExchangeProperty(TransformBatches.BATCH_PROPERTY) TransformBatch batch) {
        long started = System.nanoTime();
        List<BatchManifest.Entry> written = batch.written();
        List<BatchManifest.Entry> deletions = batch.deletionsWritten();
        int committed = 0;
        for (WarehouseTable table : WarehouseTable.values()) {
            List<BatchManifest.Entry> parts = ofTable(written, table.tableName());
            List<BatchManifest.Entry> deleted = table.isFact() ? List.of()
                    : ofTable(deletions, WarehouseDeletions.recorded(table) ? table.tableName() : "");
            if (!parts.isEmpty() || !deleted.isEmpty()) {
                commits.commit(batch, table, parts, deleted);
                committed++;
            }
        }
        LOG.debugf("Transform batch %s: %d Iceberg tables committed in %d ms", batch.getId(), committed,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static List<BatchManifest.Entry> ofTable(List<BatchManifest.Entry> entries, String table) {
        return entries.stream().filter(entry -> entry.table().equals(table)).toList();
    }
}
