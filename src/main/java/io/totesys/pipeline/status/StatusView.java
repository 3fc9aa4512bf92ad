package io.totesys.pipeline.status;

import java.util.List;

import io.quarkus.qute.TemplateData;

/**
 * What the status page shows, each part read on its own: a part whose source does not answer
 * carries the one-line diagnosis instead of its content, and the others still show.
 * {@code quarantineMore} says, when a bucket's quarantine holds more objects than one listing
 * reads, that the list is of the first of them.
 */
@TemplateData
public record StatusView(String generatedAt, String replica, Part<List<Stage>> stages,
        Part<List<UnderWay>> underWay, Part<Lag> lag,
        Part<List<Replica>> replicas, Part<BatchPage> batches, Part<ActivityChart.Chart> chart,
        Part<List<Quarantined>> quarantined, Part<List<Reconciled>> reconciliation, Part<SchemaHolds> holds,
        Part<List<ReplayRequest>> replays, List<Dependency> readiness, String quarantineMore) {

    /** A part of the page: its content, or why it could not be read. */
    @TemplateData
    public record Part<T>(T content, String unreachable) {

        public static <T> Part<T> of(T content) {
            return new Part<>(content, null);
        }

        public static <T> Part<T> unreachable(String diagnosis) {
            return new Part<>(null, diagnosis);
        }

        public boolean shown() {
            return unreachable == null;
        }
    }

    /** A table a stage is working on now: its batch, the rows and bytes done so far, for how long. */
    @TemplateData
    public record UnderWay(String stage, String batchId, String table, String rows, String bytes, String since) {
    }

    /** A stage's latest batch and its failures in a row. */
    @TemplateData
    public record Stage(String name, String lastBatch, String when, long rows, String duration,
            int failuresInARow, String lastFailure, String nextAttempt) {
    }

    /** How far the warehouse is behind ToteSys now. */
    @TemplateData
    public record Lag(String lag, String completeUpTo) {
    }

    @TemplateData
    public record Replica(String id, boolean leader, String startedAt, String lastSeen, boolean present) {
    }

    /** A page of the batch log, newest first, with the keys of its neighbours (keyset pagination). */
    @TemplateData
    public record BatchPage(List<Batch> batches, String newer, String older) {
    }

    /** A batch through the three hops: one id, each stage's rows per table and duration. */
    @TemplateData
    public record Batch(String id, String status, boolean repair, String startedAt, List<Hop> hops, int loads,
            String quarantined) {
    }

    @TemplateData
    public record Hop(String stage, long rows, String rowsPerTable, String duration, String finishedAt) {
    }

    /** A quarantined object with its report and what to do next. */
    @TemplateData
    public record Quarantined(String location, String batchId, String table, long row, String column,
            String problem, String nextStep) {
    }

    /**
     * A table's result in the latest reconciliation; {@code notRead}: the run did not read it,
     * unchanged on both sides since a run found it equal.
     */
    @TemplateData
    public record Reconciled(String runId, String table, String finishedAt, long compared, long pending,
            long missing, long extra, long changed, long adopted, long repaired, String repairBatch,
            boolean notRead) {
    }

    @TemplateData
    public record SchemaHolds(List<Hold> held, List<Change> changes) {
    }

    @TemplateData
    public record Hold(String table, String reason) {
    }

    @TemplateData
    public record Change(String table, String change, String column, String detail, String firstSeenAt,
            String batchId) {
    }

    /** A dependency of readiness: UP, or its one-line diagnosis. */
    @TemplateData
    public record Dependency(String name, boolean up, String state) {
    }

    /**
     * A replay request: its batch or table, whether it is done, and for one that failed its
     * attempts, when it is tried again, and its last error or the reason it was closed with.
     */
    @TemplateData
    public record ReplayRequest(long id, String subject, String requestedAt, int attempts, String nextAttempt,
            String done, String outcome) {
    }
}
