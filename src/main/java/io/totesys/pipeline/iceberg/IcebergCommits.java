package io.totesys.pipeline.iceberg;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.TransformBatch;
import io.totesys.pipeline.starschema.TransformBatches;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The transform's Iceberg steps (routes/transform.camel.yaml, split {@code iceberg-tables}):
 * once a batch's manifest is written (and the load woken), each table the batch changed gets
 * one Iceberg commit ({@link BatchTableCommits}), the tables side by side
 * ({@link CommitThreads}), before the batch's extract objects are archived; a batch found
 * transformed already (its run stopped between the manifest and the commits) gets the commits
 * it lacks.
 */
@ApplicationScoped
@Named("icebergCommits")
public class IcebergCommits {

    private final BatchTableCommits commits;
    private final TableFiles tableFiles;

    IcebergCommits(BatchTableCommits commits, TableFiles tableFiles) {
        this.commits = commits;
        this.tableFiles = tableFiles;
    }

    /**
     * What one table's commit holds: the parts the batch wrote, and a dimension's deletions,
     * whose members leave it.
     */
    public record TableChange(LakeTable table, List<BatchManifest.Entry> parts,
            List<BatchManifest.Entry> deletions) {

        /** The table's name, for routes and logs. */
        public String getTableName() {
            return table.name();
        }
    }

    /**
     * The tables the batch changed, in the lake's order ({@link LakeTable#all}), each with what
     * it brings: a star schema table its parts and a dimension the members deleted; a table of
     * deletions its parts. A deletions object that is not a table's data file (an earlier
     * release wrote it under {@code _deletions/}, from where it moves) is no file of a table of
     * deletions.
     */
    public List<TableChange> changes(@ExchangeProperty(TransformBatches.BATCH_PROPERTY) TransformBatch batch) {
        List<BatchManifest.Entry> written = batch.publishedObjects();
        List<BatchManifest.Entry> deletions = batch.publishedDeletions();
        List<TableChange> changes = new ArrayList<>();
        for (LakeTable table : LakeTable.all()) {
            WarehouseTable of = table.table();
            List<BatchManifest.Entry> parts = table.deletions()
                    ? ofTable(deletions, of).stream().filter(entry -> LakeLayout.isTableFile(entry.key())).toList()
                    : ofTable(written, of);
            List<BatchManifest.Entry> deleted = membersDeleted(table, deletions);
            if (!parts.isEmpty() || !deleted.isEmpty()) {
                changes.add(new TableChange(table, parts, deleted));
            }
        }
        return changes;
    }

    /**
     * Commits one table's change of the batch, once: the footers and members' keys of the files
     * this run wrote are at hand, those of a batch an earlier run published are read from the
     * files.
     */
    public void commit(@Body TableChange change,
            @ExchangeProperty(TransformBatches.BATCH_PROPERTY) TransformBatch batch) {
        commits.commit(new BatchFiles(batch.getId(), batch.attempt(),
                key -> batch.footer(key).orElseGet(() -> tableFiles.footer(key)),
                key -> tableFiles.keys(key, batch.keys(key)),
                LakeLayout.INPUT, batch.replay(), batch.highWater()), change.table(), change.parts(),
                change.deletions());
    }

    /** The deletions objects whose members leave the table: a dimension's own; none for a table rows are only added to. */
    static List<BatchManifest.Entry> membersDeleted(LakeTable table, List<BatchManifest.Entry> deletions) {
        return table.appendOnly() ? List.of() : ofTable(deletions, table.table());
    }

    private static List<BatchManifest.Entry> ofTable(List<BatchManifest.Entry> entries, WarehouseTable table) {
        return entries.stream().filter(entry -> entry.table().equals(table.tableName())).toList();
    }
}
