package io.totesys.pipeline.reconcile;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.stage.PipelineSchema;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A small ToteSys through the pipeline, before each test, with ToteSys read by a role with
 * SELECT only; and what reconciliation recorded of it: the ground the reconciliation tests share.
 */
abstract class ReconciliationScenario {

    static final String MISMATCHED_ROWS = "pipeline.reconcile.mismatched.rows";
    static final String QUARANTINED_ROWS = "pipeline.reconcile.quarantined.rows";

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry registry;

    @Inject
    CarriedColumns carried;

    @Inject
    ReconcileLog reconcileLog;

    @Inject
    ReconcileRequests reconcileRequests;

    @Inject
    PipelineSchema schema;

    @ConfigProperty(name = "quarkus.datasource.totesys.username")
    String toteSysUsername;

    final EmbeddedWorld world = TestWorld.get();
    final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    ExtractRuns runs;

    /** What one run recorded of one table. */
    record Found(long compared, long pending, long missing, long extra, long changed, long adopted, long repaired,
            long quarantined) {

        long mismatched() {
            return missing + extra + changed;
        }

        /** What the run found different, and what it took as ToteSys has it: changed, missing, extra, adopted. */
        List<Long> differences() {
            return List.of(changed, missing, extra, adopted);
        }
    }

    @BeforeEach
    void aSmallToteSysThroughThePipeline() {
        runs = new ExtractRuns(producer, json, ingest);
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 7).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    /** Runs the reconciliation route as if the interval had passed; returns the repair batch's manifest, if any. */
    Optional<BatchManifest> reconcile() {
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'",
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '1 day'");
        return newManifest(Reconciliations.ENDPOINT);
    }

    Optional<BatchManifest> extractBatch() {
        return newManifest(PipelineStage.EXTRACT.endpointUri());
    }

    Optional<BatchManifest> newManifest(String endpoint) {
        return runs.runThrough(endpoint).map(ExtractRuns.Published::manifest);
    }

    /**
     * Moves every table's read horizon past the changes committed so far, so that they are
     * behind the pipeline's back: no batch can see them, only reconciliation finds them.
     */
    void hideCommittedChangesFromTheBatches() {
        DatabaseServer.execute(world.databases().warehouse(), "UPDATE pipeline.extract_watermark SET read_horizon = '"
                + SqlRows.text(world.totesysOwner(), "SELECT pg_current_snapshot()::text") + "'");
    }

    /** The read horizon every table was read up to. */
    String readHorizon() {
        return SqlRows.text(world.databases().warehouse(), "SELECT min(read_horizon) FROM pipeline.extract_watermark");
    }

    /** What the latest run recorded of each ToteSys table compared with the lake. */
    Map<String, Found> lastRun() {
        Map<String, Found> found = new LinkedHashMap<>();
        SqlRows.of(world.databases().warehouse(), """
                SELECT table_name, compared, pending, missing, extra, changed, adopted, repaired, quarantined
                  FROM pipeline.reconcile_run
                 WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)
                   AND compared_with = 'lake'""").forEach(line -> {
            String[] values = line.substring(1, line.length() - 1).split(",");
            found.put(values[0], new Found(Long.parseLong(values[1]), Long.parseLong(values[2]),
                    Long.parseLong(values[3]), Long.parseLong(values[4]), Long.parseLong(values[5]),
                    Long.parseLong(values[6]), Long.parseLong(values[7]), Long.parseLong(values[8])));
        });
        return found;
    }

    double mismatchedRowsMetric(SourceTable table) {
        return registry.get(MISMATCHED_ROWS).tag("table", table.tableName()).gauge().value();
    }

    List<Integer> ids(BatchManifest manifest, String table) {
        return runs.ids(manifest, table);
    }

    void put(String key, String content) {
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(key),
                RequestBody.fromString(content, StandardCharsets.UTF_8));
    }

    List<Integer> deletedIds(BatchManifest manifest, String table) {
        return runs.deletedIds(manifest, table);
    }
}
