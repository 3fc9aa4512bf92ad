package io.totesys.pipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.StageLocks;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * The hand-off between stages in one service: the extract polls every second, the transform
 * and the load only once an hour, yet a new sales order reaches the warehouse within
 * seconds, because each published batch wakes the next stage at once.
 */
@QuarkusTest
@ServerBacked
@TestProfile(StageHandOffTest.HourlyStagePolls.class)
@WithTestResource(TestWorldResource.class)
class StageHandOffTest {

    private static final List<String> POLLS = List.of("extract-poll", "transform-poll", "load-poll");

    @Inject
    CamelContext context;

    private final EmbeddedWorld world = TestWorld.get();

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @AfterEach
    void stopPolling() throws Exception {
        for (String poll : POLLS) {
            context.getRouteController().stopRoute(poll);
        }
    }

    @Test
    void aPublishedBatchGoesOnToTheWarehouseWithoutWaitingForTheStagePolls() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 71);
        simulator.seed(0.01);
        NotifyBuilder stagePollsRan = new NotifyBuilder(context).fromRoute("transform-poll").whenCompleted(1)
                .and().fromRoute("load-poll").whenCompleted(1).create();
        for (String poll : POLLS) {
            context.getRouteController().startRoute(poll);
        }
        assertThat(stagePollsRan.matches(60, TimeUnit.SECONDS))
                .as("the stage polls' first run, after which the next is an hour away").isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> salesOrdersInTheWarehouse() == sourceSalesOrders());

        NotifyBuilder handedOff = new NotifyBuilder(context).fromRoute("transform-wake-up").whenCompleted(1)
                .and().fromRoute("load-wake-up").whenCompleted(1).create();
        int orderId = simulator.newSalesOrder().orderId();

        await().atMost(Duration.ofSeconds(30)).until(() -> SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM fact_sales_order WHERE sales_order_id = " + orderId) > 0);
        assertThat(handedOff.matches()).as("the transform and the load woken by the published batches").isTrue();
    }

    /**
     * While a transform run waits (another consumer holds the stage), the extract publishes
     * batch after batch and each wakes the transform: the wake-ups that find one already
     * queued are dropped, and none may take its extract batch's clean-up along (the batch's
     * ToteSys snapshot and connection), or the extract would run out of connections after a
     * few batches. Once the transform is free, every order reaches the warehouse.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theExtractGoesOnPublishingWhileTheTransformItWakesIsBusy() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 72);
        simulator.seed(0.01);
        try (Connection otherConsumer = world.databases().warehouse().getConnection();
                Statement statement = otherConsumer.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + StageLocks.advisoryLockKey(PipelineStage.TRANSFORM) + ")");
            for (String poll : POLLS) {
                context.getRouteController().startRoute(poll);
            }
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions() // the pipeline schema comes with the first run
                    .until(() -> publishedExtractBatches() > 0);
            for (int order = 0; order < 8; order++) {
                long published = publishedExtractBatches();
                simulator.newSalesOrder();
                await().atMost(Duration.ofSeconds(30))
                        .alias("extract batch " + (published + 1) + " published while the transform waits")
                        .until(() -> publishedExtractBatches() > published);
            }
            statement.execute("SELECT pg_advisory_unlock(" + StageLocks.advisoryLockKey(PipelineStage.TRANSFORM) + ")");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> salesOrdersInTheWarehouse() == sourceSalesOrders());
    }

    private long publishedExtractBatches() {
        return SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.extract_batch WHERE status = 'PUBLISHED'");
    }

    private long salesOrdersInTheWarehouse() {
        return SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM fact_sales_order_current");
    }

    private long sourceSalesOrders() {
        return SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order");
    }

    /** The extract polls every second, the transform and the load once an hour; the test starts the polls. */
    public static class HourlyStagePolls implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "etl.poll-interval", "1s",
                    "etl.stage-poll-interval", "1h",
                    "etl.cluster.file.root", "target/stage-hand-off-leader",
                    "camel.main.auto-startup-exclude-pattern", String.join(",", POLLS) + ",extract-reconcile-poll");
        }
    }
}
