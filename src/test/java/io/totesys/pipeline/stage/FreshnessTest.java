package io.totesys.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.DoubleSummaryStatistics;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ScrapedMetrics;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The freshness lag, {@code pipeline_freshness_lag_seconds}, measures the oldest change in
 * ToteSys not yet in the warehouse. The alert's 15 minutes against 30 s polls are scaled down
 * to {@link #STALE} against polls as fast as they run: ToteSys idle for {@link #IDLE}, longer
 * than that, while every stage keeps polling, leaves the lag small; so does a batch whose
 * manifest the transform quarantined, which {@code pipeline_quarantined_batches} counts instead
 * until it is replayed. A change after the idle time is measured from the last poll that found
 * nothing, while its batch waits for the load.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class FreshnessTest {

    private static final Logger LOG = Logger.getLogger(FreshnessTest.class);

    /** The alert's threshold, scaled down. */
    private static final Duration STALE = Duration.ofSeconds(3);
    /** How long ToteSys stays idle: twice the scaled-down threshold. */
    private static final Duration IDLE = STALE.multipliedBy(2);

    @Inject
    ProducerTemplate producer;

    @Inject
    Freshness freshness;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private ScrapedMetrics scraped;
    private ToteSysSimulator simulator;

    @BeforeEach
    void loadedOnce() {
        ToteSysFixture.reset(world);
        scraped = new ScrapedMetrics(metrics);
        simulator = new ToteSysSimulator(world.totesysOwner(), 53);
        simulator.seed(0.01);
        PipelineStages.runEach(producer);
    }

    @Test
    void anIdleToteSysLeavesTheLagSmallAndALaterChangeIsMeasuredFromTheLastEmptyPoll() {
        staysFreshWhileIdle();

        aLaterChangeIsMeasuredFromTheLastEmptyPoll();
    }

    @Test
    void aQuarantinedBatchNeitherHoldsTheLagBackNorGoesUncounted() {
        simulator.newSalesOrder();
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        String manifest = ingest.keys(LakeLayout.input(LakeLayout.MANIFESTS + "/")).get(0);
        byte[] intact = ingest.readBytes(manifest);
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(manifest),
                RequestBody.fromString("{", StandardCharsets.UTF_8));
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        assertThat(ingest.keys(LakeLayout.quarantine(LakeLayout.relative(manifest))))
                .as("the damaged manifest quarantined").hasSize(1);

        staysFreshWhileIdle();
        assertThat(scraped.sample("pipeline_quarantined_batches", null)).as("quarantined batches").isEqualTo(1);

        aLaterChangeIsMeasuredFromTheLastEmptyPoll();
        assertThat(scraped.sample("pipeline_quarantined_batches", null)).as("quarantined batches").isEqualTo(1);

        String batchId = LakeLayout.batchIdOf(LakeLayout.relative(manifest));
        String quarantined = LakeLayout.quarantine(LakeLayout.relative(manifest));
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(quarantined),
                RequestBody.fromBytes(intact));
        DatabaseServer.execute(world.databases().warehouse(),
                "INSERT INTO pipeline.replay_request (batch_id) VALUES ('" + batchId + "')");
        PipelineStages.runEach(producer);
        assertThat(scraped.sample("pipeline_quarantined_batches", null)).as("quarantined batches, replayed")
                .isEqualTo(0);
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.load_batch WHERE batch_id = '" + batchId + "'"))
                .as("the replayed batch loaded").isEqualTo(1);
        assertThat(freshness.completeUpTo()).as("complete up to, the older batch replayed").contains(watermark());
    }

    /** ToteSys idle for {@link #IDLE} while each stage polls in turn: the lag stays under {@link #STALE}. */
    private void staysFreshWhileIdle() {
        DoubleSummaryStatistics lags = new DoubleSummaryStatistics();
        await().during(IDLE).atMost(IDLE.plus(STALE)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            PipelineStages.runEach(producer);
            double lag = scraped.sample("pipeline_freshness_lag_seconds", null);
            lags.accept(lag);
            assertThat(lag).as("seconds behind ToteSys").isLessThan(STALE.toSeconds());
        });
        LOG.infof("[freshness] ToteSys idle for %d s: %d polls, lag %.3f-%.3f s", IDLE.toSeconds(), lags.getCount(),
                lags.getMin(), lags.getMax());
    }

    /**
     * A new order after the idle time: while its batch waits for the transform and the load,
     * the warehouse is complete up to a point no later than the order's commit and no earlier
     * than the last poll that found nothing before it, and once it is loaded, up to the
     * order's batch. The polls right after the commit may skip every table until the order's
     * statistics counter moves (docs/architecture.md#what-a-poll-costs): they move a skipped
     * table's time on only to 2 s before theirs.
     */
    private void aLaterChangeIsMeasuredFromTheLastEmptyPoll() {
        LocalDateTime lastEmptyPoll = watermark();
        int order = simulator.newSalesOrder().orderId();
        LocalDateTime committedBy = LocalDateTime.parse(
                SqlRows.text(world.totesysOwner(), "SELECT localtimestamp(3)::text").replace(' ', 'T'));
        long published = publishedBatches();
        await().atMost(STALE).pollInterval(Duration.ofMillis(100)).until(() -> {
            PipelineStages.run(producer, PipelineStage.EXTRACT);
            return publishedBatches() > published;
        });
        LocalDateTime orderBatch = watermark();
        assertThat(orderBatch).as("the order's batch moved the watermark on").isAfter(lastEmptyPoll);

        assertThat(freshness.completeUpTo()).as("complete up to, while the order's batch waits").get()
                .satisfies(completeUpTo -> assertThat(completeUpTo).isAfterOrEqualTo(lastEmptyPoll)
                        .isBefore(committedBy));
        double waiting = scraped.sample("pipeline_freshness_lag_seconds", null);
        assertThat(waiting).as("seconds behind ToteSys, waiting").isLessThan(STALE.toSeconds());
        LOG.infof("[freshness] a new order's batch waits: lag %.3f s", waiting);

        LocalDateTime waitingFrom = freshness.completeUpTo().orElseThrow();
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        assertThat(freshness.completeUpTo()).as("complete up to, transformed").contains(waitingFrom);
        PipelineStages.run(producer, PipelineStage.LOAD);
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM fact_sales_order WHERE sales_order_id = " + order)).as("the order loaded")
                .isEqualTo(1);
        assertThat(freshness.completeUpTo()).as("complete up to, loaded").contains(orderBatch);
    }

    private long publishedBatches() {
        return SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.extract_batch WHERE status = 'PUBLISHED'");
    }

    private LocalDateTime watermark() {
        return LocalDateTime.parse(SqlRows.text(world.databases().warehouse(),
                "SELECT min(high_water)::text FROM pipeline.extract_watermark").replace(' ', 'T'));
    }
}
