package io.totesys.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.BatchProgress;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.ProgressBoard;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Issue 25 point 1: a batch under way shows on the status page, table by table, with the rows
 * done so far, so that a long first load has visible progress; a table done is gone from it.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class StatusPageUnderWayTest {

    @TestHTTPResource("/status")
    URL page;

    @Inject
    ProducerTemplate producer;

    @Inject
    ProgressBoard board;

    private final EmbeddedWorld world = TestWorld.get();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void aSmallToteSys() {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 5).seed(0.01);
    }

    /** The extract waits for a lock on {@code payment} (its last table) while the page is viewed. */
    @Test
    void aTableTheExtractIsStillReadingShowsUntilItIsDone() throws Exception {
        CompletableFuture<Exchange> extract;
        try (Connection owner = world.totesysOwner().getConnection(); Statement statement = owner.createStatement()) {
            owner.setAutoCommit(false);
            statement.execute("LOCK TABLE payment IN ACCESS EXCLUSIVE MODE");
            extract = CompletableFuture.supplyAsync(() -> producer.send(PipelineStage.EXTRACT.endpointUri(), any -> {
            }));

            Awaitility.await("the page shows the table under way").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(view()).contains("id=\"under-way\"")
                            .containsPattern("<td>extract</td><td><code>\\d{8}T\\d{9}Z-[0-9a-f]{6}</code></td>"
                                    + "<td>payment</td><td class=\"number\">0</td>"));
            assertThat(view()).as("tables done before it").doesNotContain("<td>sales_order</td>");
            owner.rollback();
        }
        assertThat(BatchFailure.of(extract.get(60, TimeUnit.SECONDS))).isNull();

        Awaitility.await("the table gone from the page once done").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(view()).doesNotContain("id=\"under-way\""));
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.batch_progress"))
                .isZero();
    }

    /** The rows and bytes a table's work counts are what the page shows, brought up to date as they grow. */
    @Test
    void theRowsAndBytesSoFarAreShownAsTheyGrow() {
        BatchId batch = new BatchId("20261206T120000000Z-00abcd");
        try (BatchProgress progress = board.start(PipelineStage.TRANSFORM, batch, "sales_order", Duration.ofHours(1),
                -1)) {
            progress.rows(1_234);
            progress.bytes(3 * 1024 * 1024);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(view()).contains("<td>transform</td><td><code>" + batch
                            + "</code></td><td>sales_order</td><td class=\"number\">1,234</td>"
                            + "<td class=\"number\">3.0 MiB</td>"));
            progress.rows(49_580);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(view()).contains("<td class=\"number\">49,580</td>"));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(view()).doesNotContain("id=\"under-way\""));
    }

    private String view() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(page.toString()))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
