package io.totesys.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.stage.PipelineSchema;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * The status page's notes stay bounded: a pass of retention (ETL_RETENTION_BATCH_LOG, 90 days)
 * forgets the stages' notes of batches older than 90 days, newer ones stay.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ReplicaHeartbeatTest {

    @Inject
    PipelineSchema schema;

    @Inject
    ProducerTemplate producer;

    private final EmbeddedWorld world = TestWorld.get();

    @Test
    void stageRunsOlderThanNinetyDaysAreForgottenAndTheRestKept() throws SQLException {
        schema.ensureMigrated();
        DatabaseServer.execute(world.databases().warehouse(), """
                INSERT INTO pipeline.stage_run (stage, batch_id, started_at, finished_at, row_count, row_counts)
                VALUES ('load', '20260801T000000000Z-0ld000', now() - interval '91 days',
                        now() - interval '91 days', 1, '{}'),
                       ('load', '20261001T000000000Z-kept00', now() - interval '89 days',
                        now() - interval '89 days', 1, '{}')""");

        producer.sendBody("direct:retention", null);

        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.stage_run WHERE batch_id = '20260801T000000000Z-0ld000'")).isZero();
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.stage_run WHERE batch_id = '20261001T000000000Z-kept00'")).isEqualTo(1);
        DatabaseServer.execute(world.databases().warehouse(),
                "DELETE FROM pipeline.stage_run WHERE batch_id = '20261001T000000000Z-kept00'");
    }
}
