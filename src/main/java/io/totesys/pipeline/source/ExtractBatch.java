package io.totesys.pipeline.source;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.stage.BatchFailure;

/**
 * One extract batch while it runs: its id, the snapshot it reads, each table's window and
 * the objects written so far. It lives in the exchange property {@code extractBatch} and,
 * as a {@link Synchronization} of the exchange, releases its snapshot when the exchange
 * completes and undoes its writes when it fails.
 */
public final class ExtractBatch implements Synchronization {

    /** What becomes of a batch whose exchange failed. */
    interface FailureHandler {
        void undo(ExtractBatch batch);
    }

    private final BatchId id;
    private final Instant startedAt;
    private final SourceSnapshot snapshot;
    private final Map<SourceTable, ChangeWindow> windows;
    private final FailureHandler failureHandler;
    private final List<BatchManifest.Entry> objects = new ArrayList<>();
    private boolean recordedAsStarted;

    ExtractBatch(BatchId id, Instant startedAt, SourceSnapshot snapshot, Map<SourceTable, ChangeWindow> windows,
            FailureHandler failureHandler) {
        this.id = id;
        this.startedAt = startedAt;
        this.snapshot = snapshot;
        this.windows = windows;
        this.failureHandler = failureHandler;
    }

    public BatchId getId() {
        return id;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** The tables this batch reads, in catalogue order. */
    public List<SourceTable> getTables() {
        return List.copyOf(windows.keySet());
    }

    public LocalDateTime highWater() {
        return snapshot.highWater();
    }

    public LocalDateTime databaseNow() {
        return snapshot.databaseNow();
    }

    ChangeWindow window(SourceTable table) {
        return windows.get(table);
    }

    SourceSnapshot snapshot() {
        return snapshot;
    }

    /** Whether no table had a changed row: such a batch writes nothing to the lake. */
    public boolean isEmpty() {
        return objects.isEmpty();
    }

    public List<BatchManifest.Entry> objects() {
        return List.copyOf(objects);
    }

    public long rowCount() {
        return objects.stream().mapToLong(BatchManifest.Entry::rows).sum();
    }

    void added(BatchManifest.Entry entry) {
        objects.add(entry);
    }

    boolean recordedAsStarted() {
        return recordedAsStarted;
    }

    void markRecordedAsStarted() {
        recordedAsStarted = true;
    }

    @Override
    public void onComplete(Exchange exchange) {
        if (BatchFailure.of(exchange) != null) {
            onFailure(exchange);
            return;
        }
        snapshot.close();
    }

    @Override
    public void onFailure(Exchange exchange) {
        try {
            snapshot.close();
        } finally {
            failureHandler.undo(this);
        }
    }
}
