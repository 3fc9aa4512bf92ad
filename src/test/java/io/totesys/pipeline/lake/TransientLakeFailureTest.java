package io.totesys.pipeline.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.StageRetries;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.FaultyLake;
import io.totesys.pipeline.testing.FaultyLakeResource;
import io.totesys.pipeline.testing.FreshChanges;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FaultyObjectStoreProxy;
import io.totesys.pipeline.world.FaultyObjectStoreProxy.Fault;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Transient is not damaged: with the object store behind a proxy that throttles (503
 * SlowDown), fails (500), cuts connections halfway through a body and stalls halfway for
 * longer than S3_READ_TIMEOUT, the transform and the load fail, wait out their backoff and
 * try again, and quarantine nothing; nothing is lost. The Iceberg commits fail the same way
 * (a table's metadata that cannot be written, a dimension's file that cannot be read), and
 * the batch, loaded meanwhile, gets each commit once when the store is back.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(FaultyLakeResource.class)
class TransientLakeFailureTest {

    /** More failures in a row than the S3 client retries a request itself, so that the stage sees them. */
    private static final int BEYOND_CLIENT_RETRIES = 5;

    @Inject
    ProducerTemplate producer;

    @Inject
    StageRetries retries;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource warehouse = world.databases().warehouse();
    private final FaultyObjectStoreProxy proxy = FaultyLake.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        proxy.clear();
        ToteSysFixture.reset(world);
    }

    @Test
    void throttlingServerErrorsAndCutConnectionsAreRetriedNeverQuarantined() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 67);
        simulator.seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        proxy.inject(Fault.SLOW_DOWN, "GET", "/input/payment/", BEYOND_CLIENT_RETRIES);
        proxy.inject(Fault.INTERNAL_ERROR, "GET", "/input/_manifests/", BEYOND_CLIENT_RETRIES);
        int transformFailures = runUntilItCompletes(PipelineStage.TRANSFORM);
        proxy.inject(Fault.SLOW_DOWN, "GET", "/" + LakeLayout.tableLocation("dim_staff") + "/data/",
                BEYOND_CLIENT_RETRIES);
        proxy.inject(Fault.INTERNAL_ERROR, "GET", "/" + LakeLayout.tableLocation("fact_payment") + "/data/",
                BEYOND_CLIENT_RETRIES);
        int loadFailures = runUntilItCompletes(PipelineStage.LOAD);

        // A second batch, whose reads are cut or stall mid-body while nothing else fails
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = first_name || 'x', last_updated = now() WHERE staff_id <= 3",
                "UPDATE design SET design_name = design_name || 'x', last_updated = now() WHERE design_id <= 3",
                "UPDATE address SET phone = '0000 000002', last_updated = now() WHERE address_id <= 3",
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id <= 30");
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        proxy.inject(Fault.CUT_MID_BODY, "GET", "/input/sales_order/", 1);
        proxy.inject(Fault.CUT_MID_BODY, "GET", "/input/staff/", 1);
        proxy.inject(Fault.STALL_MID_BODY, "GET", "/input/design/", 1);
        proxy.inject(Fault.INTERNAL_ERROR, "PUT", "/" + LakeLayout.tableLocation("dim_staff") + "/metadata/",
                BEYOND_CLIENT_RETRIES);
        proxy.inject(Fault.INTERNAL_ERROR, "GET", "/" + LakeLayout.tableLocation("dim_location") + "/data/",
                BEYOND_CLIENT_RETRIES);
        transformFailures += runUntilItCompletes(PipelineStage.TRANSFORM);
        proxy.inject(Fault.CUT_MID_BODY, "GET", "/" + LakeLayout.tableLocation("fact_sales_order") + "/data/", 1);
        proxy.inject(Fault.STALL_MID_BODY, "GET", "/" + LakeLayout.tableLocation("dim_location") + "/data/", 1);
        loadFailures += runUntilItCompletes(PipelineStage.LOAD);
        System.out.printf("[transient] %d faults injected; the transform failed %d times, the load %d times, "
                + "then each completed%n", proxy.injected(), transformFailures, loadFailures);

        assertThat(proxy.planExhausted()).as("every planned fault injected").isTrue();
        assertThat(transformFailures).as("transform attempts that failed and were tried again").isPositive();
        assertThat(loadFailures).as("load attempts that failed and were tried again").isPositive();
        assertThat(ingest.keys("quarantine/")).as("quarantined extract objects").isEmpty();
        assertThat(processed.keys("quarantine/")).as("quarantined Parquet objects").isEmpty();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.load_batch WHERE quarantined <> '[]'"))
                .isZero();
        assertThat(ingest.keys("input/")).isEmpty();
        assertThat(processed.keys("input/")).isEmpty();
        for (WarehouseTable table : WarehouseTable.values()) {
            if (table != WarehouseTable.DIM_DATE) {
                assertThat(StarSchemaFromToteSys.warehouseRows(warehouse, table)).as(table.tableName())
                        .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
            }
        }
        IcebergTables.assertEqualTheWarehouse(world);

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    /**
     * Runs a stage's batches until they complete, as its poll does: after each failure, the
     * stage backs off ({@link StageRetries}) and the next attempt waits until it is due.
     * Returns how many attempts failed.
     */
    private int runUntilItCompletes(PipelineStage stage) {
        String pollRoute = stage.stageName() + "-poll";
        int failures = 0;
        while (true) {
            Exchange result = producer.send(stage.endpointUri(), exchange -> {
            });
            Throwable failure = BatchFailure.of(result);
            if (failure == null) {
                return failures;
            }
            failures++;
            assertThat(failures).as("%s attempts; the last failed with %s", stage.stageName(), failure)
                    .isLessThan(12);
            assertThat(retries.due(pollRoute)).as("%s backs off after a failure", stage.stageName()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> retries.due(pollRoute));
        }
    }
}
