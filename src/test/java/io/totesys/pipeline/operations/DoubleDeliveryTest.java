package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Double delivery: two consumers run each stage at the same moment, on the same
 * watermarks, the same extract manifest and the same Parquet manifest, as two leaders
 * would in a split brain. There is one effect: every row version once in the lake, one
 * set of Parquet objects, one load.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class DoubleDeliveryTest {

    @Inject
    ProducerTemplate producer;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void twoConsumersOfEachStageAtOnceHaveOneEffect() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 53).seed(0.05);

        runTwiceAtOnce(PipelineStage.EXTRACT);
        List<String> versions = ingest.extractedRowVersions();
        Set<String> seen = new HashSet<>();
        assertThat(versions.stream().filter(version -> !seen.add(version)).toList()).as("versions extracted twice")
                .isEmpty();
        assertThat(versions.stream().filter(version -> version.startsWith("payment ")).count())
                .isEqualTo(SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM payment"));
        assertThat(ingest.keys(LakeLayout.input(LakeLayout.MANIFESTS + "/"))).as("extract batches").hasSize(1);

        runTwiceAtOnce(PipelineStage.TRANSFORM);
        assertThat(processed.keys(LakeLayout.input(LakeLayout.MANIFESTS + "/"))).as("Parquet batches").hasSize(1);
        assertThat(processed.tableParts("fact_payment")).as("fact_payment data files").hasSize(1);
        try (IcebergTables tables = new IcebergTables(world)) {
            for (WarehouseTable table : WarehouseTable.values()) {
                assertThat(tables.history(table)).as("%s: one snapshot", table.tableName()).hasSize(1);
            }
        }
        assertThat(ingest.keys("input/")).isEmpty();

        runTwiceAtOnce(PipelineStage.LOAD);
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.load_batch"))
                .isEqualTo(1);
        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName()).isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        IcebergTables.assertEqualTheWarehouse(world);
        assertThat(processed.keys("input/")).isEmpty();
    }

    /** Two consumers run the stage, released at the same instant; both must succeed. */
    private void runTwiceAtOnce(PipelineStage stage) throws Exception {
        ExecutorService consumers = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<?> first = consumers.submit(() -> {
                start.await();
                PipelineStages.run(producer, stage);
                return null;
            });
            Future<?> second = consumers.submit(() -> {
                start.await();
                PipelineStages.run(producer, stage);
                return null;
            });
            start.countDown();
            first.get(2, TimeUnit.MINUTES);
            second.get(2, TimeUnit.MINUTES);
        } finally {
            consumers.shutdownNow();
        }
    }
}
