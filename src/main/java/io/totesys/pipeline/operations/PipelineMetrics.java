package io.totesys.pipeline.operations;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The pipeline's own metrics, at {@code /q/metrics} in Prometheus format:
 * <ul>
 * <li>{@code pipeline_rows_total{stage, table}}: rows each stage wrote, per table;</li>
 * <li>{@code pipeline_quarantined_objects_total{stage, table}}: objects a stage could not read
 * and moved to {@code quarantine/}.</li>
 * </ul>
 */
@ApplicationScoped
public class PipelineMetrics {

    private final MeterRegistry registry;

    PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void rows(PipelineStage stage, String table, long rows) {
        counter("pipeline.rows", "Rows a stage wrote", stage, table).increment(rows);
    }

    public void quarantined(PipelineStage stage, String table) {
        counter("pipeline.quarantined.objects", "Objects a stage could not read and quarantined", stage, table)
                .increment();
    }

    private Counter counter(String name, String description, PipelineStage stage, String table) {
        return Counter.builder(name)
                .description(description)
                .tag("stage", stage.stageName())
                .tag("table", table)
                .register(registry);
    }
}
