package io.totesys.pipeline.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.quarkus.test.CamelQuarkusTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeObjectException;
import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
import io.totesys.pipeline.source.SourceReadException;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.StageRetries;
import io.totesys.pipeline.testing.ServerBacked;

/**
 * The routes' own branches, fast and without servers: the stage beans' steps that would
 * reach ToteSys, the warehouse or the lake are advised away (AdviceWith), and the routes'
 * filters, catches and error handling run as written in {@code routes/}. The databases and
 * the lake are configured at addresses where nothing listens: nothing here may reach them.
 */
@QuarkusTest
@ServerBacked
@TestProfile(StageRoutesTest.WithoutServers.class)
class StageRoutesTest extends CamelQuarkusTestSupport {

    private static final String NOWHERE_JDBC = "jdbc:postgresql://127.0.0.1:9/nowhere";

    @Inject
    StageRetries retries;

    @AfterEach
    void forgetFailures() {
        List.of("extract-poll", "transform-poll", "load-poll").forEach(retries::succeeded);
        MockEndpoint.resetMocks(context);
    }

    @Test
    void aFailedBatchIsReportedAndItsStageBacksOff() throws Exception {
        SourceReadException failure = new SourceReadException("reading sales_order failed",
                new SQLException("connection refused", "08001"));
        AdviceWith.adviceWith(context, "transform-pending", route -> {
            route.weaveById("hold-transform-stage").replace().to("mock:transform-stage-held");
            route.weaveById("pending-extract-batches").replace().throwException(failure);
            route.weaveById("transform-succeeded").replace().to("mock:transform-succeeded");
        });

        Exchange result = template.send("direct:transform-pending", exchange -> {
        });

        assertThat(BatchFailure.of(result)).as("the failure, kept for run-once mode").isSameAs(failure);
        assertThat(retries.due("transform-poll")).as("the transform backs off").isFalse();
        assertThat(retries.due("extract-poll")).as("the other stages poll on").isTrue();
        assertThat(getMockEndpoint("mock:transform-succeeded").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:transform-stage-held").getReceivedCounter()).as("the stage held first")
                .isEqualTo(1);
    }

    @Test
    void unreadableSourceDataIsQuarantinedAndTheBatchGoesOnButAnOutageEndsIt() throws Exception {
        AdviceWith.adviceWith(context, "transform-table", route -> {
            route.weaveById("parquet-files").replace().process(exchange -> {
                throw exchange.getMessage().getBody(RuntimeException.class);
            });
            route.weaveById("reject-source-object").replace().to("mock:rejected");
        });
        InvalidSourceDataException invalid = new InvalidSourceDataException(SourceTable.SALES_ORDER, 3, "units_sold",
                "'many' is not an integer", null);

        Exchange quarantined = template.send("direct:transform-table", exchange -> exchange.getMessage()
                .setBody(invalid));

        assertThat(quarantined.getException()).as("the batch goes on").isNull();
        MockEndpoint rejected = getMockEndpoint("mock:rejected");
        assertThat(rejected.getReceivedCounter()).isEqualTo(1);
        assertThat(rejected.getReceivedExchanges().get(0).getProperty(Exchange.EXCEPTION_CAUGHT)).isSameAs(invalid);

        LakeObjectException outage = new LakeObjectException("reading s3://totesys-ingest/input/x.csv failed", null);
        Exchange failed = template.send("direct:transform-table", exchange -> exchange.getMessage().setBody(outage));

        assertThat(failed.getException()).as("a failure to reach the lake ends the batch, to be tried again")
                .isSameAs(outage);
        assertThat(rejected.getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aPollThatFindsNoChangesWritesNothingButMovesTheWatermarksOn() throws Exception {
        AdviceWith.adviceWith(context, "extract-start", route -> {
            route.weaveById("hold-extract-stage").replace().to("mock:extract-stage-held");
            route.weaveById("settle-unfinished-batches").replace().to("mock:unfinished-batches-settled");
        });
        AdviceWith.adviceWith(context, "extract-batch", route -> {
            route.weaveById("open-batch").replace()
                    .setBody(route.constant(StandInBatch.withoutChanges(SourceTable.ADDRESS,
                            SourceTable.SALES_ORDER)));
        });
        AdviceWith.adviceWith(context, "extract-write-batch", route -> {
            route.weaveById("build-manifest").replace().to("mock:manifest-built");
            route.weaveById("write-manifest").replace().to("mock:manifest-written");
            route.weaveById("publish-batch").replace().to("mock:published");
        });
        AdviceWith.adviceWith(context, "extract-table", route -> {
            route.weaveById("write-changed-rows").replace().to("mock:changed-rows-written");
            route.weaveById("read-deleted-rows").replace().setBody(route.constant(StandInBatch.withoutChanges()));
        });
        AdviceWith.adviceWith(context, "extract-csv-object", route -> route.weaveById("write-csv").replace()
                .to("mock:csv-written"));
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("extract-batch").whenDone(1).create();

        Exchange result = template.send("direct:extract-batch", exchange -> {
        });

        assertThat(done.matchesWaitTime()).isTrue();
        assertThat(result.getException()).isNull();
        assertThat(getMockEndpoint("mock:csv-written").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:manifest-built").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:manifest-written").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:published").getReceivedCounter()).as("the watermarks move on").isEqualTo(1);
        assertThat(getMockEndpoint("mock:extract-stage-held").getReceivedCounter()).isEqualTo(1);
        assertThat(getMockEndpoint("mock:unfinished-batches-settled").getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aRedeliveredManifestOnlyCompletesTheMoveOfItsBatch() throws Exception {
        AdviceWith.adviceWith(context, "transform-batch", route -> {
            route.weaveById("open-transform-batch").replace().setBody(route.constant(StandInBatch.doneBefore()));
            route.weaveById("run-transform-table").replace().to("mock:table-transformed");
            route.weaveById("write-transform-manifest").replace().to("mock:transform-manifest-written");
            route.weaveById("register-earlier-batches").replace().to("mock:earlier-batches-registered");
            route.weaveById("iceberg-tables").replace().to("mock:iceberg-tables-committed");
            route.weaveById("archive-extract-batch").replace().to("mock:extract-batch-archived");
        });
        AdviceWith.adviceWith(context, "load-batch", route -> {
            route.weaveById("open-load-batch").replace().setBody(route.constant(StandInBatch.doneBefore()));
            route.weaveById("run-load-object").replace().to("mock:object-staged");
            route.weaveById("commit-load").replace().to("mock:load-committed");
            route.weaveById("archive-parquet-batch").replace().to("mock:parquet-batch-archived");
        });

        template.sendBody("direct:transform-batch", "input/_manifests/date=2026-12-01/20261201T090000000Z-a1b2c3.json");
        template.sendBody("direct:load-batch", "input/_manifests/date=2026-12-01/20261201T090000000Z-a1b2c3.json");

        assertThat(getMockEndpoint("mock:table-transformed").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:transform-manifest-written").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:iceberg-tables-committed").getReceivedCounter())
                .as("the commits a batch found transformed may lack").isEqualTo(1);
        assertThat(getMockEndpoint("mock:extract-batch-archived").getReceivedCounter()).isEqualTo(1);
        assertThat(getMockEndpoint("mock:object-staged").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:load-committed").getReceivedCounter()).isZero();
        assertThat(getMockEndpoint("mock:parquet-batch-archived").getReceivedCounter()).isEqualTo(1);
    }

    /** The settings of a service whose databases and lake are where nothing listens. */
    public static class WithoutServers implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("quarkus.datasource.totesys.jdbc.url", NOWHERE_JDBC),
                    Map.entry("quarkus.datasource.totesys.username", "nobody"),
                    Map.entry("quarkus.datasource.totesys.password", "nothing"),
                    Map.entry("quarkus.datasource.jdbc.url", NOWHERE_JDBC),
                    Map.entry("quarkus.datasource.username", "nobody"),
                    Map.entry("quarkus.datasource.password", "nothing"),
                    Map.entry("lake.s3.endpoint", "http://127.0.0.1:9"),
                    Map.entry("lake.s3.access-key-id", "nobody"),
                    Map.entry("lake.s3.secret-access-key", "nothing"),
                    Map.entry("etl.health.check-interval", "1h"));
        }
    }

    /** What the routes read of a stage's batch or of a table's rows, standing in for the stage beans' objects. */
    public static final class StandInBatch {

        private final boolean pending;
        private final boolean empty;
        private final List<SourceTable> tables;

        private StandInBatch(boolean pending, boolean empty, List<SourceTable> tables) {
            this.pending = pending;
            this.empty = empty;
            this.tables = tables;
        }

        /** An extract batch, or a table's changed or deleted rows, that found no changes. */
        static StandInBatch withoutChanges(SourceTable... tables) {
            return new StandInBatch(true, true, List.of(tables));
        }

        /** A batch its stage has written before: redelivered, or back after a restart. */
        static StandInBatch doneBefore() {
            return new StandInBatch(false, false, List.of());
        }

        public boolean isPending() {
            return pending;
        }

        public boolean isEmpty() {
            return empty;
        }

        public List<SourceTable> getTables() {
            return tables;
        }
    }
}
