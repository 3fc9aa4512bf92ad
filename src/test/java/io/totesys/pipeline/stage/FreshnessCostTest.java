package io.totesys.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDateTime;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.testing.LongBatchLog;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * What the freshness lag reads with a long batch log (issue 25, point 1): the status page, the
 * metrics scrape, the heartbeat and every load read it, so what it reads must not grow with the
 * log. With 100,000 batches loaded, and with one more waiting, its query reads a few pages of the
 * pipeline schema, not the log. (What it says is {@link FreshnessTest}'s.)
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class FreshnessCostTest {

    private static final int BATCHES = 100_000;
    /** Pages (8 kB) the query may read: an index descent or two and the watermarks, whatever the log holds. */
    private static final int FEW_PAGES = 100;

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();

    @BeforeEach
    void aLongBatchLog() {
        ToteSysFixture.reset(world);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        LongBatchLog.add(world.databases().warehouse(), BATCHES);
    }

    @AfterEach
    void forgetTheLog() {
        DatabaseServer.execute(world.databases().warehouse(),
                "TRUNCATE pipeline.stage_run, pipeline.freshness_sample, pipeline.reconcile_run, "
                        + "pipeline.extract_batch, pipeline.load_batch");
    }

    @Test
    void theLagReadsAFewPagesWhateverTheBatchLogHolds() throws Exception {
        assertThat(pagesRead()).as("pages the lag's query read with %d batches loaded", BATCHES)
                .isLessThan(FEW_PAGES);

        DatabaseServer.execute(world.databases().warehouse(), """
                INSERT INTO pipeline.extract_batch (batch_id, status, high_water, row_count, started_at, finished_at)
                VALUES ('29991231T000000000Z-ffffff', 'PUBLISHED', '%s', 1, now(), now())""".formatted(
                LocalDateTime.now()));
        assertThat(pagesRead()).as("pages the lag's query read while a batch waits").isLessThan(FEW_PAGES);
    }

    /** Shared buffers the query touched (hit or read), as EXPLAIN (ANALYZE, BUFFERS) counts them. */
    private long pagesRead() throws Exception {
        try (Connection connection = world.databases().warehouse().getConnection();
                Statement statement = connection.createStatement();
                ResultSet plan = statement
                        .executeQuery("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + Freshness.POSITIONS)) {
            plan.next();
            JsonNode top = json.readTree(plan.getString(1)).get(0).get("Plan");
            return top.get("Shared Hit Blocks").asLong() + top.get("Shared Read Blocks").asLong();
        }
    }
}
