package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.ReconciliationRun;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * A run that fails after it opened its snapshot of ToteSys gives the connection back: more
 * failures than the ToteSys pool has connections leave no session of the pipeline idle in
 * transaction on ToteSys (which would also hold back ToteSys's VACUUM), and the next batch
 * gets a connection at once.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class FailedRunsReleaseToteSysTest {

    /** More than the ToteSys pool's connections ({@code quarkus.datasource.totesys.jdbc.max-size}). */
    private static final int FAILURES = 6;

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource warehouse = world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE);
    private ExtractRuns extract;
    private ToteSysSimulator simulator;

    @BeforeEach
    void aSmallToteSysExtractedOnce() {
        ToteSysFixture.reset(world);
        extract = new ExtractRuns(producer, json, new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET));
        simulator = new ToteSysSimulator(world.totesysOwner(), 31);
        simulator.seed(0.01);
        extract.run().orElseThrow();
    }

    @AfterEach
    void watermarksBack() {
        DatabaseServer.execute(warehouse, "ALTER TABLE IF EXISTS pipeline.extract_watermark_away "
                + "RENAME TO extract_watermark");
    }

    @Test
    void reconciliationsThatFailAfterTheirSnapshotLeaveNoSessionOpenOnToteSys() {
        DatabaseServer.execute(warehouse, "ALTER TABLE pipeline.extract_watermark RENAME TO extract_watermark_away");
        for (int run = 0; run < FAILURES; run++) {
            assertThat(ReconciliationRun.attempt(producer, world)).as("reconciliation %d", run).isNotNull();
        }
        Awaitility.await("the pipeline's sessions on ToteSys are back in the pool").atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(pipelineSessionsInTransaction()).isZero());

        DatabaseServer.execute(warehouse, "ALTER TABLE pipeline.extract_watermark_away RENAME TO extract_watermark");
        ToteSysSimulator.NewOrder order = simulator.newSalesOrder();
        assertThat(extract.ids(extract.run().orElseThrow().manifest(), "sales_order")).contains(order.orderId());
    }

    private long pipelineSessionsInTransaction() {
        return SqlRows.count(world.databases().superuser("postgres"),
                """
                SELECT count(*) FROM pg_stat_activity
                 WHERE datname = '%s' AND application_name = 'totesys-pipeline' AND state LIKE 'idle in transaction%%'"""
                        .formatted(DatabaseServer.TOTESYS_DATABASE));
    }
}
