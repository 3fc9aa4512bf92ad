package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineOutcome;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.ToteSysAudit;
import io.totesys.pipeline.testing.WarehouseAudit;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Crash anywhere: the packaged service is killed (SIGKILL) six times while ToteSys keeps
 * changing, each time in the middle of a batch of the next stage in turn (an extract batch
 * recorded as started, Parquet parts of a batch without their manifest yet, whether or not
 * committed to their Iceberg tables, a load
 * transaction that has staged rows), so twice in each stage, the second time after the
 * other two stages' kills, and restarted each time (ten times, 3 or 4 in each stage, before
 * 2026-12-06: each kill and restart costs the suite 10 s). Once it has caught up, the warehouse equals the star schema computed from ToteSys,
 * row for row, the lake holds no row version twice, and nothing is left under input/; and,
 * against ToteSys's audit trail, the lake holds every row version any batch's snapshot saw,
 * and the warehouse's fact history every fact version the lake holds, once, and every
 * deletion ({@link WarehouseAudit}); and each Iceberg table holds what the warehouse holds,
 * each batch one snapshot of each table it changed ({@link IcebergTables}).
 */
class CrashRecoveryIT {

    private static final int CRASHES = 2 * PipelineStage.values().length;

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
    void killedTwiceInTheMiddleOfEachStageTheWarehouseStillEqualsToteSys() throws Exception {
        ToteSysAudit.install(world);
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 61);
        simulator.seed(0.2);
        Map<String, String> environment = world.serviceEnvironment(0);
        environment.put("ETL_TRANSFORM_ROWS_PER_FILE", "500");

        StringBuilder work = new StringBuilder();
        Map<PipelineStage, Integer> killedIn = new EnumMap<>(PipelineStage.class);
        for (int crash = 1; crash <= CRASHES; crash++) {
            PipelineStage target = PipelineStage.values()[crash % PipelineStage.values().length];
            Instant started = Instant.now();
            PipelineService service = start(environment, "crash-" + crash);
            Optional<PipelineStage> landed = runUntilInTheMiddleOf(target, started, simulator);
            service.kill();
            world.objectStore().discardIncompleteUploads();
            landed.ifPresent(stage -> killedIn.merge(stage, 1, Integer::sum));
            String output = service.output();
            work.append(String.format("[crash] run %d, killed after %.1f s %s: %d extract, %d transform, %d load "
                    + "batches before%n", crash, Duration.between(started, Instant.now()).toMillis() / 1000.0,
                    landed.map(stage -> "during a batch of the " + stage.stageName() + " stage")
                            .orElse("at a random moment"),
                    count(output, "Extract batch "), count(output, "Transform batch "), count(output, "Load batch ")));
        }
        System.out.print(work);
        assertThat(killedIn).as("kills that landed in the middle of each stage's batch")
                .containsOnlyKeys(PipelineStage.values()).allSatisfy((stage, kills) -> assertThat(kills).isPositive());

        PipelineService survivor = start(environment, "after-crashes");
        Duration caughtUp;
        long icebergRows;
        try {
            caughtUp = PipelineOutcome.awaitCaughtUp(world, Duration.ofMinutes(2));
            // a batch's commits to the lake's tables follow its load, and one that failed is retried: all in first
            icebergRows = IcebergTables.awaitEqualTheWarehouse(world, Duration.ofMinutes(1));
        } finally {
            survivor.close();
        }
        long compared = PipelineOutcome.assertNothingLostOrDoubled(world);
        ToteSysAudit.Findings audit = ToteSysAudit.check(world);
        audit.assertNone();
        WarehouseAudit.Findings warehouse = WarehouseAudit.check(world);
        warehouse.assertNone();
        System.out.printf("[crash] a survivor caught up %.1f s after its start; warehouse equals ToteSys: %d rows "
                + "compared; the lake holds all %d row versions the batches' snapshots saw, each once; the "
                + "warehouse's fact history holds each of the lake's fact versions once, %d in all, and records "
                + "%d deletions; the Iceberg tables hold the warehouse's %d rows, each batch one snapshot of "
                + "each table it changed%n", caughtUp.toMillis() / 1000.0, compared, audit.requiredVersions(),
                warehouse.factVersions(), warehouse.deletions(), icebergRows);
    }

    /**
     * Keeps ToteSys changing, a bulk update every 3 s (every sales order edited without its
     * stamp moving, every unpaid payment stamped, the oldest payment, transaction without a
     * payment and sales order deleted) among single changes every 100 ms,
     * until a batch of the target stage is under way, and returns that stage; after 40 s,
     * returns nothing and the kill lands wherever it lands.
     */
    private Optional<PipelineStage> runUntilInTheMiddleOf(PipelineStage target, Instant started,
            ToteSysSimulator simulator) throws InterruptedException {
        Instant deadline = started.plusSeconds(40);
        Set<String> leftByEarlierKills = unpublishedParquet();
        Instant nextBulkUpdate = Instant.now();
        while (Instant.now().isBefore(deadline)) {
            if (!Instant.now().isBefore(nextBulkUpdate)) {
                DatabaseServer.execute(world.totesysOwner(),
                        "UPDATE sales_order SET units_sold = units_sold + 1",
                        "UPDATE payment SET last_updated = now() WHERE NOT paid",
                        "DELETE FROM payment WHERE payment_id = (SELECT min(payment_id) FROM payment)",
                        "DELETE FROM transaction WHERE transaction_id = (SELECT min(transaction_id) FROM transaction t "
                                + "WHERE NOT EXISTS (SELECT 1 FROM payment p WHERE p.transaction_id = t.transaction_id))",
                        "DELETE FROM sales_order WHERE sales_order_id = (SELECT min(sales_order_id) FROM sales_order)");
                nextBulkUpdate = Instant.now().plusSeconds(3);
            }
            simulator.change();
            for (int look = 0; look < 5; look++) {
                if (inTheMiddleOf(target, started, leftByEarlierKills)) {
                    return Optional.of(target);
                }
                Thread.sleep(20); // five looks for the stage under way between two changes: the kill's moment
            }
        }
        return Optional.empty();
    }

    /** Whether a batch of the stage, begun after the service started, is under way right now. */
    private boolean inTheMiddleOf(PipelineStage stage, Instant started, Set<String> leftByEarlierKills) {
        try {
            return switch (stage) {
                case EXTRACT -> SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM "
                        + "pipeline.extract_batch WHERE status = 'STARTED' AND started_at > '" + started + "'") > 0;
                case TRANSFORM -> !leftByEarlierKills.containsAll(unpublishedParquet());
                case LOAD -> SqlRows.count(world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE),
                        "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + DatabaseServer.WAREHOUSE_USER
                                + "' AND backend_xid IS NOT NULL AND query LIKE '%staging_%'") > 0;
            };
        } catch (IllegalStateException notThereYet) {
            return false; // the pipeline's schema appears with its first batch
        }
    }

    /** The parts of the Iceberg tables whose batch has no manifest yet. */
    private Set<String> unpublishedParquet() {
        LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
        Set<String> published = processed.keys("").stream().filter(key -> key.contains(LakeLayout.MANIFESTS + "/"))
                .map(LakeLayout::batchIdOf).collect(Collectors.toSet());
        return processed.keys(LakeLayout.TABLES + "/").stream().filter(key -> key.contains("-part-"))
                .filter(key -> !published.contains(LakeLayout.batchIdOf(key))).collect(Collectors.toSet());
    }

    private static long count(String output, String text) {
        return output.lines().filter(line -> line.contains(text)).count();
    }

    private static PipelineService start(Map<String, String> environment, String name) throws Exception {
        return PipelineService.start(environment, Files.createTempFile(Path.of("target"), name + "-", ".log"));
    }
}
