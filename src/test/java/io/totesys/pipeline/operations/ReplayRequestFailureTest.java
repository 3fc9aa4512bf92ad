package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.FaultyLake;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.LakeLimitsResource;
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
 * A replay request that fails stops nothing: S3 refusing a batch's objects for good (403
 * AccessDenied) and, for another batch, for a while (403 InvalidObjectState, an archived
 * object being restored). While both are asked for, every stage run succeeds and ToteSys's
 * new changes reach the warehouse; the request refused for good is tried
 * {@code ETL_REPLAY_ATTEMPTS} times, after a longer wait each time, then closed with its
 * reason; the other one is replayed at its next attempt. Each failure is in its row, in
 * {@code pipeline_replay_request_failures_total} and on the status page.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(LakeLimitsResource.class)
class ReplayRequestFailureTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    MeterRegistry registry;

    @TestHTTPResource("/status")
    URL page;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource warehouse = world.databases().warehouse();
    private final FaultyObjectStoreProxy proxy = FaultyLake.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @BeforeEach
    void emptyEverything() {
        proxy.clear();
        ToteSysFixture.reset(world);
    }

    @Test
    void aFailingReplayRequestIsTriedAgainThenClosedWithItsReasonWhileTheStagesGoOn() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 79);
        simulator.seed(0.01);
        PipelineStages.runEach(producer);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = 1");
        PipelineStages.runEach(producer);
        List<String> batches = SqlRows.column(warehouse, "SELECT batch_id FROM pipeline.load_batch ORDER BY batch_id");
        String denied = batches.get(0);
        String archived = batches.get(1);
        proxy.inject(Fault.ACCESS_DENIED, "PUT", denied, Integer.MAX_VALUE);
        proxy.inject(Fault.INVALID_OBJECT_STATE, "PUT", archived, 1);
        DatabaseServer.execute(warehouse,
                "INSERT INTO pipeline.replay_request (batch_id) VALUES ('" + denied + "'), ('" + archived + "')");
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = 2");

        int runs = 0;
        long started = System.nanoTime();
        while (SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.replay_request WHERE done_at IS NULL") > 0) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("until both requests are closed")
                    .isLessThan(Duration.ofSeconds(60));
            PipelineStages.runEach(producer);
            runs++;
        }
        List<String> requests = SqlRows.of(warehouse, "SELECT batch_id, attempts, last_error, outcome "
                + "FROM pipeline.replay_request ORDER BY request_id");
        System.out.printf("[replay-failure] %d runs of every stage, none failed, until both requests were closed "
                + "in %d ms:%n  %s%n", runs, Duration.ofNanos(System.nanoTime() - started).toMillis(),
                String.join("\n  ", requests));

        assertThat(SqlRows.text(warehouse, "SELECT attempts || ' ' || outcome FROM pipeline.replay_request "
                + "WHERE batch_id = '" + denied + "'")).startsWith(LakeLimitsResource.REPLAY_ATTEMPTS + " not "
                        + "replayed after " + LakeLimitsResource.REPLAY_ATTEMPTS + " attempts: ")
                .contains("Access Denied");
        assertThat(SqlRows.text(warehouse, "SELECT attempts || ' ' || last_error || ' ' || outcome "
                + "FROM pipeline.replay_request WHERE batch_id = '" + archived + "'")).startsWith("1 ")
                .contains("storage class").contains("restored ");
        assertThat(registry.get("pipeline.replay.request.failures").tag("outcome", "retried").counter().count())
                .as("the refused request's attempts but its last, and the archived one's first")
                .isEqualTo(LakeLimitsResource.REPLAY_ATTEMPTS - 1 + 1);
        assertThat(registry.get("pipeline.replay.request.failures").tag("outcome", "closed").counter().count())
                .isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(statusPage())
                .as("the status page's replay requests").contains("id=\"replay-requests\"", denied, archived,
                        "not replayed after " + LakeLimitsResource.REPLAY_ATTEMPTS + " attempts", "Access Denied"));
        assertThat(SqlRows.count(warehouse, "SELECT loads FROM pipeline.load_batch WHERE batch_id = '" + archived
                + "'")).as("the archived batch, restored, loaded again").isEqualTo(2);
        assertThat(ingest.keys("input/")).isEmpty();
        for (WarehouseTable table : WarehouseTable.values()) {
            if (table != WarehouseTable.DIM_DATE) {
                assertThat(StarSchemaFromToteSys.warehouseRows(warehouse, table)).as(table.tableName())
                        .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
            }
        }
        IcebergTables.assertEqualTheWarehouse(world);
    }

    private String statusPage() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(page.toURI()).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
