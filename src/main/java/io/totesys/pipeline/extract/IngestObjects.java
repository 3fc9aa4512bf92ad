package io.totesys.pipeline.extract;

import java.io.IOException;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Message;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.ObjectDescription;
import io.totesys.pipeline.lake.ObjectUpload;
import io.totesys.pipeline.lake.csv.ExtractedRecords;
import io.totesys.pipeline.source.ChangeWindow;
import io.totesys.pipeline.source.ChangedRows;
import io.totesys.pipeline.stage.BatchProgress;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.ProgressBoard;

/**
 * Writes an extract batch's CSV objects to the ingest bucket and lists each in the batch, for
 * its manifest: a table's changed rows copied out of ToteSys straight into the object, and its
 * deletions. The first object of a batch records the batch as started, just before it is
 * written, so that a crash from there on is settled by the next run ({@link BatchSettlement}).
 */
@ApplicationScoped
public class IngestObjects {

    private static final String CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

    private final ExtractState state;
    private final LakeBatches ingest;
    private final PipelineSettings settings;
    private final ProgressBoard board;

    IngestObjects(ExtractState state, @Named("ingestBatches") LakeBatches ingest, PipelineSettings settings,
            ProgressBoard board) {
        this.board = board;
        this.state = state;
        this.ingest = ingest;
        this.settings = settings;
    }

    /**
     * Writes the table's changed rows as a CSV object, streamed from ToteSys's {@code COPY} to
     * the lake with its size and SHA-256 counted on the way ({@link ChangedRows},
     * {@link ObjectUpload}); a table without changes writes nothing. A table that takes long
     * says how far it got every {@code ETL_PROGRESS_INTERVAL} ({@link BatchProgress}).
     */
    void writeChangedRows(ChangedRows rows, ExtractBatch batch) {
        SourceTable table = rows.table();
        String key = LakeLayout.dataKey(table.tableName(), batch.getId(), "csv");
        ObjectUpload upload = ingest.objects().upload(LakeLayout.input(key), CSV_CONTENT_TYPE,
                () -> recordStarted(batch));
        try {
            long count;
            try (BatchProgress progress = board.start(PipelineStage.EXTRACT, batch.getId(), table.tableName(),
                    settings.progressInterval(), -1)) {
                count = rows.writeTo(upload, progress);
            }
            if (count == 0) {
                upload.abort();
                return;
            }
            ObjectDescription csv = upload.finish();
            batch.added(table, entry(batch, table, key, count, csv), false);
        } catch (RuntimeException e) {
            upload.abort();
            throw e;
        }
    }

    /**
     * Describes a table's deletions, marshalled as CSV, before the route writes them: their key,
     * size and checksum go into the S3 headers and the batch's manifest entries.
     */
    void describeDeletions(Message message, ExtractedRecords rows, ExtractBatch batch) throws IOException {
        recordStarted(batch);
        SourceTable table = rows.table();
        String key = rows.deletions() ? LakeLayout.deletionsKey(table.tableName(), batch.getId())
                : LakeLayout.dataKey(table.tableName(), batch.getId(), "csv");
        ObjectDescription csv = ObjectDescription.describe(message, LakeLayout.input(key), CSV_CONTENT_TYPE);
        batch.added(table, entry(batch, table, key, rows.rowCount(), csv), rows.deletions());
    }

    private static BatchManifest.Entry entry(ExtractBatch batch, SourceTable table, String key, long rows,
            ObjectDescription csv) {
        ChangeWindow window = batch.window(table);
        return new BatchManifest.Entry(table.tableName(), key, rows, csv.bytes(), csv.sha256(),
                window.wholeTable() ? null : BatchManifest.sourceTimestamp(window.from()));
    }

    /** Records the batch as started before its first object is written. */
    private void recordStarted(ExtractBatch batch) {
        batch.recordStartedOnce(() -> state.started(batch.getId(), batch.highWater(), batch.lowWater(),
                batch.snapshot().transactions(), batch.held(), batch.unchanged(), batch.wholeTables(),
                batch.isRepair()));
    }

    /** What a published batch holds, for its log line: {@code (table rows, ...), deleted: ... in s3://...}. */
    String contents(ExtractBatch batch) {
        return "(" + batch.objects().stream().map(entry -> entry.table() + " " + entry.rows())
                .collect(Collectors.joining(", ")) + ")"
                + (batch.deletions().isEmpty() ? "" : batch.deletions().stream()
                        .map(entry -> entry.table() + " " + entry.rows())
                        .collect(Collectors.joining(", ", ", deleted: ", "")))
                + " in s3://" + ingest.bucket() + "/" + LakeLayout.INPUT;
    }
}
