package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ObjectStoreServer;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Crash anywhere: the packaged service is killed (SIGKILL) ten times at random moments
 * while ToteSys keeps changing and batches go through all three stages, and restarted each
 * time. Once it has caught up, the warehouse equals the star schema computed from ToteSys,
 * row for row, the lake holds no row version twice, and nothing is left under input/.
 */
class CrashRecoveryIT {

    private static final int CRASHES = 10;

    private static EmbeddedWorld world;

    /**
     * A world of its own whose S3 server keeps objects in memory: with files, s3proxy keeps
     * the temporary file of an upload cut short by a kill and then fails every listing of
     * the bucket, which S3 itself never does.
     */
    @BeforeAll
    static void startAWorldOfItsOwn() throws Exception {
        world = EmbeddedWorld.start(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "crash-world-"),
                0, 0, ObjectStoreServer.Storage.MEMORY);
    }

    @AfterAll
    static void stopIt() {
        world.close();
    }

    @Test
    void killedTenTimesTheWarehouseStillEqualsToteSys() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 61);
        simulator.seed(0.05);
        SplittableRandom random = new SplittableRandom(61);
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_HTTP_PORT", "0");
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_POLL_INTERVAL", "1s");
        environment.put("ETL_STAGE_POLL_INTERVAL", "1s");
        environment.put("ETL_TRANSFORM_ROWS_PER_FILE", "2000");

        StringBuilder work = new StringBuilder();
        for (int crash = 1; crash <= CRASHES; crash++) {
            PipelineService service = start(environment, "crash-" + crash);
            // Startup and taking over the leadership take up to 7 s: the kills land all over the stages. work.
            long runFor = 8_000 + random.nextInt(8_000);
            Instant until = Instant.now().plusMillis(runFor);
            while (Instant.now().isBefore(until)) {
                simulator.change();
                Thread.sleep(100);
            }
            service.kill();
            String output = service.output();
            work.append(String.format("run %d, killed after %d ms: %d extract, %d transform, %d load batches; "
                    + "%d batches settled after the previous kill%n", crash, runFor, count(output, "Extract batch "),
                    count(output, "Transform batch "), count(output, "Load batch "),
                    count(output, "cut short") + count(output, "manifest before a restart")
                            + count(output, "already")));
        }
        System.out.print(work);

        PipelineService survivor = start(environment, "after-crashes");
        try {
            Thread.sleep(2_500); // past the safety margin of the last changes
            awaitCaughtUp(Duration.ofMinutes(2));
        } finally {
            survivor.close();
        }

        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName()).isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
        List<String> versions = ingest.extractedRowVersions();
        assertThat(versions.stream().filter(version -> versions.indexOf(version) != versions.lastIndexOf(version))
                .distinct().toList()).as("row versions extracted twice").isEmpty();
        assertThat(ingest.keys("input/")).as("stranded under input/ of the ingest bucket").isEmpty();
        assertThat(new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET).keys("input/"))
                .as("stranded under input/ of the processed bucket").isEmpty();
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.extract_batch WHERE status = 'STARTED'")).isZero();
    }

    /** Waits until every extracted batch is loaded and the warehouse has every current row of ToteSys. */
    private void awaitCaughtUp(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            try {
                long unloaded = SqlRows.count(world.databases().warehouse(), """
                        SELECT count(*) FROM pipeline.extract_batch e
                         WHERE e.status <> 'ABANDONED'
                           AND NOT EXISTS (SELECT 1 FROM pipeline.load_batch l WHERE l.batch_id = e.batch_id)""");
                boolean complete = StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(),
                        WarehouseTable.FACT_PAYMENT).equals(StarSchemaFromToteSys.rows(world.totesysOwner(),
                                WarehouseTable.FACT_PAYMENT));
                if (unloaded == 0 && complete) {
                    return;
                }
            } catch (IllegalStateException notMigratedYet) {
                // the schema appears with the first batch
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError("the pipeline did not catch up with ToteSys within " + timeout);
    }

    private static long count(String output, String text) {
        return output.lines().filter(line -> line.contains(text)).count();
    }

    private static PipelineService start(Map<String, String> environment, String name) throws Exception {
        return PipelineService.start(environment, Files.createTempFile(Path.of("target"), name + "-", ".log"));
    }
}
