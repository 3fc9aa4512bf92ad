package io.totesys.pipeline.stage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;

/**
 * What the pipeline notes of a batch a stage has published: the rows it wrote per table
 * ({@code pipeline.rows}), how long it took ({@code pipeline.batch.duration}) and the run
 * itself for the status page ({@link StageRuns}), all timed on the one {@link Clock} that
 * started the batch. The log line that says so is each stage's own.
 */
@ApplicationScoped
public class PublishedBatches {

    private final PipelineMetrics metrics;
    private final StageRuns runs;
    private final Clock clock;

    PublishedBatches(PipelineMetrics metrics, StageRuns runs, Clock clock) {
        this.metrics = metrics;
        this.runs = runs;
        this.clock = clock;
    }

    /** Notes a batch that wrote these objects (table and rows each) of its manifest. */
    public void published(PipelineStage stage, BatchId batch, Instant startedAt, List<BatchManifest.Entry> written) {
        published(stage, batch, startedAt, rowsPerTable(written));
    }

    /** Notes a batch that wrote these rows per table. */
    public void published(PipelineStage stage, BatchId batch, Instant startedAt, Map<String, Long> rowsPerTable) {
        Instant finishedAt = clock.instant();
        rowsPerTable.forEach((table, rows) -> metrics.rows(stage, table, rows));
        metrics.batchDuration(stage, Duration.between(startedAt, finishedAt));
        runs.completed(stage, batch, startedAt, finishedAt, rowsPerTable);
    }

    /**
     * Notes the repair batch of a reconciliation: its rows and its run, but not its time among
     * the extract's batch durations, which time the extract's own batches.
     */
    public void repaired(BatchId batch, Instant startedAt, List<BatchManifest.Entry> written) {
        Map<String, Long> rowsPerTable = rowsPerTable(written);
        rowsPerTable.forEach((table, rows) -> metrics.rows(PipelineStage.EXTRACT, table, rows));
        runs.completed(PipelineStage.EXTRACT, batch, startedAt, clock.instant(), rowsPerTable);
    }

    private static Map<String, Long> rowsPerTable(List<BatchManifest.Entry> written) {
        Map<String, Long> rows = new LinkedHashMap<>();
        written.forEach(entry -> rows.merge(entry.table(), entry.rows(), Long::sum));
        return rows;
    }
}
