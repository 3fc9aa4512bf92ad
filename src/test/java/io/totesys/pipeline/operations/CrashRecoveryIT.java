package io.totesys.pipeline.operations;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.testing.PipelineOutcome;
import io.totesys.pipeline.world.EmbeddedWorld;
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

    @BeforeAll
    static void startAWorldOfItsOwn() throws Exception {
        world = EmbeddedWorld.start(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "crash-world-"),
                0, 0);
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
            world.objectStore().discardIncompleteUploads();
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
            PipelineOutcome.awaitCaughtUp(world, Duration.ofMinutes(2));
        } finally {
            survivor.close();
        }
        PipelineOutcome.assertNothingLostOrDoubled(world);
    }

    private static long count(String output, String text) {
        return output.lines().filter(line -> line.contains(text)).count();
    }

    private static PipelineService start(Map<String, String> environment, String name) throws Exception {
        return PipelineService.start(environment, Files.createTempFile(Path.of("target"), name + "-", ".log"));
    }
}
