package io.totesys.pipeline.stage;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The pipeline's own metrics, at {@code /q/metrics} in Prometheus format:
 * <ul>
 * <li>{@code pipeline_rows_total{stage, table}}: rows each stage wrote, per table;</li>
 * <li>{@code pipeline_quarantined_objects_total{stage, table}}: objects a stage could not read
 * and moved to {@code quarantine/};</li>
 * <li>{@code pipeline_batch_duration_seconds{stage}}: how long each batch took;</li>
 * <li>{@code pipeline_failures_total{stage}}: batches that failed and will be tried again;</li>
 * <li>{@code pipeline_freshness_lag_seconds}: how far the warehouse is behind ToteSys
 * ({@link Freshness}).</li>
 * <li>{@code pipeline_schema_changes_total{table}}: columns ToteSys added, dropped, renamed or
 * retyped, each counted once;</li>
 * <li>{@code pipeline_schema_held_tables}: how many tables the extract holds because a column
 * the star schema needs is missing or retyped beyond what it takes, and
 * {@code pipeline_schema_held{table}}: 1 while that table is held.</li>
 * </ul>
 */
@ApplicationScoped
public class PipelineMetrics {

    private final MeterRegistry registry;
    private final Set<String> heldTables = ConcurrentHashMap.newKeySet();

    PipelineMetrics(MeterRegistry registry, Freshness freshness) {
        this.registry = registry;
        Gauge.builder("pipeline.freshness.lag", freshness, Freshness::lagSeconds)
                .description("Seconds since the point in ToteSys time up to which the warehouse holds every change")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("pipeline.schema.held.tables", heldTables, Set::size)
                .description("Tables the extract holds until a column the star schema needs fits again")
                .register(registry);
    }

    public void rows(PipelineStage stage, String table, long rows) {
        counter("pipeline.rows", "Rows a stage wrote", stage, table).increment(rows);
    }

    public void quarantined(PipelineStage stage, String table) {
        counter("pipeline.quarantined.objects", "Objects a stage could not read and quarantined", stage, table)
                .increment();
    }

    public void batchDuration(PipelineStage stage, Duration duration) {
        Timer.builder("pipeline.batch.duration")
                .description("How long a stage's batch took")
                .tag("stage", stage.stageName())
                .register(registry)
                .record(duration);
    }

    public void failed(PipelineStage stage) {
        Counter.builder("pipeline.failures")
                .description("Batches that failed and will be tried again")
                .tag("stage", stage.stageName())
                .register(registry)
                .increment();
    }

    public void schemaChanged(String table) {
        Counter.builder("pipeline.schema.changes")
                .description("Columns ToteSys added, dropped, renamed or retyped")
                .tag("table", table)
                .register(registry)
                .increment();
    }

    /** The tables the extract holds now; each held table's gauge stays, at 0, once it resumes. */
    public void heldTables(Set<String> tables) {
        for (String table : tables) {
            Gauge.builder("pipeline.schema.held", heldTables, held -> held.contains(table) ? 1 : 0)
                    .description("1 while the extract holds the table")
                    .tag("table", table)
                    .register(registry);
        }
        heldTables.retainAll(tables);
        heldTables.addAll(tables);
    }

    private Counter counter(String name, String description, PipelineStage stage, String table) {
        return Counter.builder(name)
                .description(description)
                .tag("stage", stage.stageName())
                .tag("table", table)
                .register(registry);
    }
}
