package io.totesys.pipeline.stage;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;

/**
 * The pipeline's own metrics, at {@code /q/metrics} in Prometheus format:
 * <ul>
 * <li>{@code pipeline_rows_total{stage, table}}: rows each stage wrote, per table;</li>
 * <li>{@code pipeline_quarantined_objects_total{stage, table}}: objects a stage could not read
 * and moved to {@code quarantine/};</li>
 * <li>{@code pipeline_quarantined_rows_total{stage, table}}: rows a stage left out while the
 * rest of their object went on (a value longer than {@code ETL_MAX_FIELD_LENGTH}), each with
 * a report under {@code quarantine/};</li>
 * <li>{@code pipeline_batch_duration_seconds{stage}}: how long each batch took, as a histogram
 * ({@code _bucket}, {@code _count}, {@code _sum}, {@code _max});</li>
 * <li>{@code pipeline_failures_total{stage}}: batches that failed and will be tried again;</li>
 * <li>{@code pipeline_freshness_lag_seconds}: how far the warehouse is behind ToteSys
 * ({@link Freshness});</li>
 * <li>{@code pipeline_quarantined_batches}: how many batches are quarantined whole (their
 * manifest refused by the transform or the load) and not replayed ({@link QuarantinedBatches});
 * they do not hold the freshness lag back;</li>
 * <li>{@code pipeline_replay_request_failures_total{outcome}}: replay requests that failed
 * ({@link ReplayRequests}): {@code retried} after a wait, or {@code closed} with their reason
 * once {@code ETL_REPLAY_ATTEMPTS} failed;</li>
 * <li>{@code pipeline_reconcile_mismatched_rows{table}}: rows the last reconciliation found
 * different from ToteSys (missing, extra or changed) that its repair did not put right;</li>
 * <li>{@code pipeline_schema_changes_total{table}}: columns ToteSys added, dropped, renamed or
 * retyped, each counted once;</li>
 * <li>{@code pipeline_extract_unchanged_tables_total}: the table reads the extract's polls
 * skipped because the table's statistics counters had not moved (docs/architecture.md#what-a-poll-costs);</li>
 * <li>{@code pipeline_schema_held_tables}: how many tables the extract holds because a column
 * the star schema needs is missing or retyped beyond what it takes, and
 * {@code pipeline_schema_held{table}}: 1 while that table is held.</li>
 * </ul>
 * Every counter and the histogram are there from the start, at zero, for each stage and
 * table ({@link #registerAtZero}), so that a rate or an alert sees their first increment.
 */
@ApplicationScoped
public class PipelineMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> reconcileMismatches = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> reconcileQuarantined = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> reconcileViewDifferences = new ConcurrentHashMap<>();
    private final Set<String> heldTables = ConcurrentHashMap.newKeySet();

    PipelineMetrics(MeterRegistry registry, Freshness freshness, QuarantinedBatches quarantinedBatches) {
        this.registry = registry;
        removeLeftover(registry, "pipeline.freshness.lag");
        Gauge.builder("pipeline.freshness.lag", freshness, Freshness::lagSeconds)
                .description("Seconds since the point in ToteSys time up to which the warehouse holds every change")
                .baseUnit("seconds")
                .register(registry);
        removeLeftover(registry, "pipeline.quarantined.batches");
        Gauge.builder("pipeline.quarantined.batches", quarantinedBatches, QuarantinedBatches::waiting)
                .description("Batches whose manifest was quarantined and that are not replayed yet")
                .register(registry);
        replayRequestFailures(false);
        replayRequestFailures(true);
        removeLeftover(registry, "pipeline.schema.held.tables");
        Gauge.builder("pipeline.schema.held.tables", heldTables, Set::size)
                .description("Tables the extract holds until a column the star schema needs fits again")
                .register(registry);
        unchangedTables();
    }

    /** A poll skipped tables whose statistics counters said nobody wrote to them since they were last read. */
    public void unchangedTablesSkipped(int tables) {
        unchangedTables().increment(tables);
    }

    private Counter unchangedTables() {
        return Counter.builder("pipeline.extract.unchanged.tables")
                .description("Table reads the extract's polls skipped because PostgreSQL's statistics counters "
                        + "said nobody wrote to the table since it was last read")
                .register(registry);
    }

    public void rows(PipelineStage stage, String table, long rows) {
        counter("pipeline.rows", "Rows a stage wrote", stage, table).increment(rows);
    }

    public void quarantined(PipelineStage stage, String table) {
        counter("pipeline.quarantined.objects", "Objects a stage could not read and quarantined", stage, table)
                .increment();
    }

    public void quarantinedRow(PipelineStage stage, String table) {
        counter("pipeline.quarantined.rows", "Rows a stage left out of their object and reported", stage, table)
                .increment();
    }

    public void batchDuration(PipelineStage stage, Duration duration) {
        batchDuration(stage).record(duration);
    }

    /** Rows of a table the last reconciliation left different from ToteSys. */
    public void reconcileMismatches(String table, long rows) {
        reconcileMismatches(table).set(rows);
    }

    /** Sets how many rows of a table the lake holds only in quarantine, as the last reconciliation counted. */
    public void reconcileQuarantined(String table, long rows) {
        tableGauge(reconcileQuarantined, "pipeline.reconcile.quarantined.rows",
                "Rows of ToteSys the lake holds only in quarantine, not in the warehouse until replayed, as the last "
                        + "reconciliation counted them",
                table).set(rows);
    }

    /**
     * Sets how many rows of a warehouse table's current view the last reconciliation that
     * compared the views found different from what ToteSys says (its repair batch reads them
     * again; the next run finds 0 once it is loaded).
     */
    public void reconcileViewDifferences(String table, long rows) {
        reconcileViewDifferences(table).set(rows);
    }

    /** Publishes the gauge of each warehouse table's current view at zero. */
    public void registerCurrentViewsAtZero(Collection<String> tables) {
        tables.forEach(this::reconcileViewDifferences);
    }

    private AtomicLong reconcileViewDifferences(String table) {
        return tableGauge(reconcileViewDifferences, "pipeline.reconcile.warehouse.differences",
                "Rows of a warehouse table's current view the last reconciliation found different from what ToteSys "
                        + "says it must hold (missing, extra or changed)",
                table);
    }

    private AtomicLong reconcileMismatches(String table) {
        return tableGauge(reconcileMismatches, "pipeline.reconcile.mismatched.rows",
                "Rows the last reconciliation found different from ToteSys and did not repair", table);
    }

    /**
     * Removes a gauge the registry already holds under the name and tags, left by an earlier
     * start of the application in the same JVM (as tests restart it): the registry would
     * otherwise keep it and go on answering with the value of an object that is gone, instead
     * of registering the new one.
     */
    public static void removeLeftover(MeterRegistry registry, String name, Tag... tags) {
        registry.find(name).tags(List.of(tags)).meters().forEach(registry::remove);
    }

    /** A gauge per table, registered at its first use ({@link #removeLeftover} first). */
    private AtomicLong tableGauge(Map<String, AtomicLong> gauges, String name, String description, String table) {
        return gauges.computeIfAbsent(table, any -> {
            AtomicLong value = new AtomicLong();
            removeLeftover(registry, name, Tag.of("table", table));
            Gauge.builder(name, value, AtomicLong::get).description(description).tag("table", table)
                    .register(registry);
            return value;
        });
    }

    public void failed(PipelineStage stage) {
        failures(stage).increment();
    }

    /** A replay request failed: it is tried again later, or it was closed with its reason. */
    public void replayRequestFailed(boolean closed) {
        replayRequestFailures(closed).increment();
    }

    private Counter replayRequestFailures(boolean closed) {
        return Counter.builder("pipeline.replay.request.failures")
                .description("Replay requests that failed: retried after a wait, or closed with their reason")
                .tag("outcome", closed ? "closed" : "retried")
                .register(registry);
    }

    /**
     * Publishes a stage's metrics at zero: its failures, its batch duration histogram, and
     * its rows and quarantined objects for each table it writes or can quarantine.
     */
    public void registerAtZero(PipelineStage stage, Collection<String> writtenTables,
            Collection<String> quarantinableTables) {
        failures(stage);
        batchDuration(stage);
        writtenTables.forEach(table -> counter("pipeline.rows", "Rows a stage wrote", stage, table));
        quarantinableTables.forEach(table -> counter("pipeline.quarantined.objects",
                "Objects a stage could not read and quarantined", stage, table));
        if (stage == PipelineStage.TRANSFORM) {
            quarantinableTables.forEach(table -> counter("pipeline.quarantined.rows",
                    "Rows a stage left out of their object and reported", stage, table));
        }
    }

    private Timer batchDuration(PipelineStage stage) {
        return Timer.builder("pipeline.batch.duration")
                .description("How long a stage's batch took")
                .tag("stage", stage.stageName())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofMinutes(30))
                .register(registry);
    }

    private Counter failures(PipelineStage stage) {
        return Counter.builder("pipeline.failures")
                .description("Batches that failed and will be tried again")
                .tag("stage", stage.stageName())
                .register(registry);
    }

    public void schemaChanged(String table) {
        schemaChanges(table).increment();
    }

    /** The tables the extract holds now; each held table's gauge stays, at 0, once it resumes. */
    public void heldTables(Set<String> tables) {
        tables.forEach(this::heldGauge);
        heldTables.retainAll(tables);
        heldTables.addAll(tables);
    }

    /**
     * Publishes the metrics of each source table at zero: its schema changes, its held gauge
     * and its rows the last reconciliation left different, so that a rate or an alert sees
     * the first change, hold or mismatch.
     */
    public void registerSourceTablesAtZero(Collection<String> sourceTables) {
        sourceTables.forEach(table -> {
            schemaChanges(table);
            heldGauge(table);
            reconcileMismatches(table);
        });
    }

    private Counter schemaChanges(String table) {
        return Counter.builder("pipeline.schema.changes")
                .description("Columns ToteSys added, dropped, renamed or retyped")
                .tag("table", table)
                .register(registry);
    }

    private void heldGauge(String table) {
        removeLeftover(registry, "pipeline.schema.held", Tag.of("table", table));
        Gauge.builder("pipeline.schema.held", heldTables, held -> held.contains(table) ? 1 : 0)
                .description("1 while the extract holds the table")
                .tag("table", table)
                .register(registry);
    }

    private Counter counter(String name, String description, PipelineStage stage, String table) {
        return Counter.builder(name)
                .description(description)
                .tag("stage", stage.stageName())
                .tag("table", table)
                .register(registry);
    }
}
