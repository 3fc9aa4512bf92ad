package io.totesys.pipeline.operations;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * Publishes every stage's counters at zero as the service starts, for each table the stage
 * writes or can quarantine: the extract writes ToteSys's tables, the transform quarantines
 * them and writes the star schema's, the load quarantines and writes the star schema's;
 * the transform and the load also quarantine manifests. The schema changes, held gauges and
 * reconciliation mismatches of ToteSys's tables start at zero too, as do the differences of
 * the warehouse's current views.
 */
@ApplicationScoped
public class MetricsAtZero {

    void register(@Observes StartupEvent event, PipelineMetrics metrics) {
        List<String> sourceTables = SourceTable.tableNames();
        List<String> starSchemaTables = WarehouseTable.tableNames();
        metrics.registerAtZero(PipelineStage.EXTRACT, sourceTables, List.of());
        metrics.registerAtZero(PipelineStage.TRANSFORM, starSchemaTables, withManifests(sourceTables));
        metrics.registerAtZero(PipelineStage.LOAD, starSchemaTables, withManifests(starSchemaTables));
        metrics.registerSourceTablesAtZero(sourceTables);
        metrics.registerCurrentViewsAtZero(
                starSchemaTables.stream().filter(table -> !table.equals("dim_date")).toList());
    }

    private static List<String> withManifests(List<String> tables) {
        List<String> quarantinable = new ArrayList<>(tables);
        quarantinable.add(LakeLayout.MANIFESTS);
        return quarantinable;
    }
}
