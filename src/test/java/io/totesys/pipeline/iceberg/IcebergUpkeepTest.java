package io.totesys.pipeline.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The Iceberg tables' upkeep against real batches: expiry keeps every snapshot the load has
 * not read, however old, and what it removes takes the files only those snapshots listed;
 * orphan files go once old enough, and the files a snapshot lists never do.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class IcebergUpkeepTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    TableUpkeep upkeep;

    @Inject
    StarSchemaCatalog catalog;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
    @RegisterExtension
    final IcebergTables tables = new IcebergTables(world);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void expiryKeepsEverySnapshotTheLoadHasNotReadAndTakesOnlyTheFilesNoSnapshotLists() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 71);
        simulator.seed(0.02);
        PipelineStages.runEach(producer);
        for (int batch = 0; batch < 2; batch++) {
            DatabaseServer.execute(world.totesysOwner(),
                    "UPDATE staff SET first_name = first_name || 'x', last_updated = now() WHERE staff_id <= 2");
            simulator.change();
            PipelineStages.run(producer, PipelineStage.EXTRACT);
            PipelineStages.run(producer, PipelineStage.TRANSFORM);
        }
        List<String> unloaded = tables.batches(WarehouseTable.DIM_STAFF).subList(1, 3);

        expireAllOlderThan(Instant.now().plus(Duration.ofDays(1)));

        assertThat(tables.batches(WarehouseTable.DIM_STAFF)).as("the snapshots of the batches the load has not read")
                .containsExactlyElementsOf(unloaded);
        PipelineStages.run(producer, PipelineStage.LOAD);
        PipelineStages.run(producer, PipelineStage.LOAD);
        IcebergTables.assertEqualTheWarehouse(world);

        expireAllOlderThan(Instant.now().plus(Duration.ofDays(1)));
        // Iceberg's expiry removes a file a snapshot replaced once that snapshot expires too;
        // until then, nothing lists it, and the orphan files' pass takes it once old enough
        for (WarehouseTable table : WarehouseTable.values()) {
            upkeep.removeOrphanFiles(catalog.current(LakeTable.of(table)), Instant.now().plus(Duration.ofMinutes(1)),
                    upkeep.uncommittedBatches());
        }

        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(tables.history(table)).as("%s: its latest snapshot only", table.tableName()).hasSize(1);
            assertThat(processed.keys(LakeLayout.tableLocation(table.tableName()) + "/data/"))
                    .as("%s: the data files its snapshot lists, and none it no longer needs", table.tableName())
                    .containsExactlyInAnyOrderElementsOf(tables.dataFileKeys(table));
        }
        IcebergTables.assertEqualTheWarehouse(world);
    }

    @Test
    void anOrphanFileGoesOnceOldEnoughAndNoListedFileEverDoes() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 72).seed(0.02);
        PipelineStages.runEach(producer);
        String orphan = processed.tableParts(WarehouseTable.FACT_PAYMENT.tableName()).get(0)
                .replace("-part-0001", "-part-0099");
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(orphan),
                RequestBody.fromString("a transform run that failed before its commit"));
        List<String> listed = tables.dataFileKeys(WarehouseTable.FACT_PAYMENT);

        assertThat(upkeep.removeOrphanFiles(catalog.current(LakeTable.of(WarehouseTable.FACT_PAYMENT)),
                Instant.now().minus(Duration.ofDays(1)), upkeep.uncommittedBatches())).as("too young to be an orphan")
                .isZero();
        assertThat(processed.keys(orphan)).hasSize(1);

        assertThat(upkeep.removeOrphanFiles(catalog.current(LakeTable.of(WarehouseTable.FACT_PAYMENT)),
                Instant.now().plus(Duration.ofMinutes(1)), upkeep.uncommittedBatches())).isEqualTo(1);
        assertThat(processed.keys(orphan)).isEmpty();
        assertThat(processed.keys(LakeLayout.tableLocation(WarehouseTable.FACT_PAYMENT.tableName()) + "/data/"))
                .containsExactlyInAnyOrderElementsOf(listed);
        IcebergTables.assertEqualTheWarehouse(world);
    }

    /**
     * A batch whose commits the catalog refuses (its manifest written, its files in the tables'
     * folders, listed by no snapshot) while the orphan pass runs with every file old enough:
     * the batch's files stay, and its commits, once the catalog takes them, bring its rows.
     */
    @Test
    void theFilesOfABatchWhoseCommitsAreStillToComeStayHoweverOld() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 73).seed(0.02);
        PipelineStages.runEach(producer);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = 'Waiting', last_updated = now() WHERE staff_id = 1");
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        IcebergTables.withTheCatalogRefusingCommits(world, () -> {
            assertThat(BatchFailure.of(producer.send(PipelineStage.TRANSFORM.endpointUri(), exchange -> {
            }))).as("the catalog refusing them, the commits fail").isNotNull();
            PipelineStages.run(producer, PipelineStage.LOAD);
            for (WarehouseTable table : WarehouseTable.values()) {
                upkeep.removeOrphanFiles(catalog.current(LakeTable.of(table)),
                        Instant.now().plus(Duration.ofMinutes(1)),
                        upkeep.uncommittedBatches());
            }
        });

        PipelineStages.runEach(producer);
        assertThat(tables.rows(WarehouseTable.DIM_STAFF)).as("the waiting batch's member")
                .anyMatch(row -> row.startsWith("1|Waiting|"));
        IcebergTables.assertEqualTheWarehouse(world);
    }

    private void expireAllOlderThan(Instant before) {
        for (WarehouseTable table : WarehouseTable.values()) {
            upkeep.expireSnapshots(catalog.current(LakeTable.of(table)), before, upkeep.unloadedBatches());
        }
    }
}
