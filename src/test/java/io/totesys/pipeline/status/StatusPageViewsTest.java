package io.totesys.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.FaultyLake;
import io.totesys.pipeline.testing.FaultyLakeResource;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * What a view of the status page costs (issue 25, point 1), the lake seen through a proxy that
 * notes every request: viewers at once cost one read of the page, whose listing of each
 * bucket's quarantine is one bounded request however much it holds; a view that cannot have the
 * page's own connection answers at once with the page it has, or 503 with one line, while the
 * stages' connections stay free; a report in the lake cannot put SQL of its own into the next
 * step the page shows; and a batch id that names no day is not found, not an error.
 * The page is kept an hour here, so that what one read costs can be counted.
 */
@QuarkusTest
@ServerBacked
@TestProfile(StatusPageViewsTest.PagesKeptAnHour.class)
@WithTestResource(FaultyLakeResource.class)
class StatusPageViewsTest {

    /** More reports than one listing request returns (1,000 keys). */
    private static final int FILLER_REPORTS = 1_010;

    @TestHTTPResource("/status")
    URL page;

    @Inject
    ProducerTemplate producer;

    @Inject
    AgroalDataSource stagesPool;

    private final EmbeddedWorld world = TestWorld.get();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void anEmptyPipelineWithItsSchema() {
        ToteSysFixture.reset(world);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
    }

    @Test
    void twentyViewersAtOnceCostOneReadWithOneBoundedListingPerBucket() throws Exception {
        for (int report = 0; report < FILLER_REPORTS; report++) {
            String batchId = String.format(Locale.ROOT, "20261101T%02d%02d%02d000Z-%06x", report / 3600 % 24,
                    report / 60 % 60, report % 60, report);
            putReport("sales_order/date=2026-11-01/" + batchId, batchId, "sales_order", "sales_order/date=2026-11-01/"
                    + batchId + ".csv");
        }
        // listed first (payment sorts before sales_order), and newest, so shown
        putReport("payment/date=2026-12-01/20261201T090000000Z-0000aa", "20261201T090000000Z-0000aa", "payment",
                "payment/date=2026-12-01/20261201T090000000Z-0000aa.csv");
        putReport("payment/date=2026-12-01/20261201T100000000Z-0000bb",
                "20261201T100000000Z-0000bb'); DELETE FROM pipeline.load_batch; --",
                "payment'); DROP TABLE public.fact_payment; --",
                "payment/date=2026-12-01/20261201T100000000Z-0000bb.csv");
        putReport("payment/date=2026-12-01/20261201T110000000Z-0000cc", "'; TRUNCATE pipeline.extract_batch; --",
                "payment", "payment/date=2026-12-01/20261201T110000000Z-0000cc.csv');TRUNCATE x;--");
        int before = FaultyLake.get().requests().size();

        List<HttpResponse<String>> views = viewersAtOnce(20, page.toString());

        assertThat(views).extracting(HttpResponse::statusCode).containsOnly(200);
        assertThat(views).extracting(HttpResponse::body)
                .allSatisfy(body -> assertThat(body).contains("id=\"batches\""));
        List<String> requests = quarantineRequests(before);
        List<String> listings = requests.stream().filter(request -> request.contains("list-type=2")).toList();
        assertThat(listings).as("the quarantine listings of one read, one request per bucket")
                .hasSize(2)
                .allSatisfy(listing -> assertThat(listing).contains("max-keys=1000", "prefix=quarantine"));
        assertThat(requests.stream().filter(request -> request.startsWith("GET ") && request.contains(".error.json")))
                .as("the reports one read reads").hasSizeLessThanOrEqualTo(QuarantineList.SHOWN);

        assertThat(views.get(0).body()).as("the page says the listing stopped")
                .contains("s3://" + EmbeddedWorld.INGEST_BUCKET + "/quarantine/ holds more than 1000 objects");
        String nextSteps = String.join("\n", nextSteps(section(views.get(0).body(), "quarantine")));
        assertThat(nextSteps).as("the next step of a plain report: the operator's command, the SQL as fallback")
                .contains("totesys-pipeline replay 20261201T090000000Z-0000aa --wait",
                        "totesys-pipeline reextract payment --wait",
                        "INSERT INTO pipeline.replay_request (batch_id) VALUES (&#39;20261201T090000000Z-0000aa&#39;)",
                        "INSERT INTO pipeline.replay_request (table_name) VALUES (&#39;payment&#39;)");
        assertThat(nextSteps).as("the crafted reports' SQL is the checked ids' only")
                .doesNotContain("DELETE FROM", "DROP TABLE", "TRUNCATE")
                .contains(
                        "INSERT INTO pipeline.replay_request (batch_id) VALUES (&#39;20261201T100000000Z-0000bb&#39;)",
                        "INSERT INTO pipeline.replay_request (batch_id) VALUES (&#39;20261201T110000000Z-0000cc&#39;)");

        int afterFirstRead = FaultyLake.get().requests().size();
        assertThat(viewersAtOnce(20, page.toString())).extracting(HttpResponse::statusCode).containsOnly(200);
        assertThat(quarantineRequests(afterFirstRead)).as("requests of 20 more viewers within ETL_STATUS_CACHE")
                .isEmpty();
    }

    @Test
    void aViewThatCannotHaveThePagesConnectionAnswersAtOnceAndTheStagesKeepTheirs() throws Exception {
        assertThat(get(page.toString()).statusCode()).as("the newest page, read").isEqualTo(200);
        ExecutorService viewer = Executors.newSingleThreadExecutor();
        try (Connection holder = world.databases().warehouse().getConnection();
                Statement lock = holder.createStatement()) {
            holder.setAutoCommit(false);
            lock.execute("LOCK TABLE pipeline.replica IN ACCESS EXCLUSIVE MODE");
            Future<HttpResponse<String>> stuck = viewer
                    .submit(() -> get(page + "?before=20261201T000000000Z-000001"));
            await().atMost(Duration.ofSeconds(30)).alias("a read of the page waiting on the lock")
                    .until(() -> SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pg_stat_activity "
                            + "WHERE application_name = 'totesys-pipeline-status' AND wait_event_type = 'Lock'") == 1);

            long started = System.nanoTime();
            HttpResponse<String> busy = get(page + "?before=20261201T000000000Z-000002");
            assertThat(busy.statusCode()).as("a page never read while the page's connection is held")
                    .isEqualTo(503);
            assertThat(busy.body()).doesNotContain("\n").contains("ETL_STATUS_CONNECTION_TIMEOUT");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

            started = System.nanoTime();
            assertThat(get(page.toString()).statusCode()).as("the page read before").isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));

            CompletableFuture<Void> stage = CompletableFuture.runAsync(() -> {
                try (Connection connection = stagesPool.getConnection()) {
                    connection.isValid(1);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            stage.get(5, TimeUnit.SECONDS);
            holder.rollback();
            assertThat(stuck.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        } finally {
            viewer.shutdownNow();
        }
    }

    @Test
    void aBatchIdThatNamesNoDayIsNotFoundWithoutAnError() throws Exception {
        try (CapturedLog log = CapturedLog.ofEverything()) {
            HttpResponse<String> manifests = get(page + "/batches/20261399T000000000Z-000000/manifests");
            HttpResponse<String> hour = get(page + "/batches/20261201T250000000Z-000000/manifests");

            assertThat(manifests.statusCode()).isEqualTo(404);
            assertThat(hour.statusCode()).isEqualTo(404);
            assertThat(get(page + "/batches/not-a-batch/manifests").statusCode()).isEqualTo(400);
            assertThat(log.lines()).as("lines logged").noneMatch(line -> line.startsWith("ERROR"));
        }
    }

    private void putReport(String relativeKeyWithoutExtension, String batchId, String table, String objectKey) {
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET)
                .key("quarantine/" + relativeKeyWithoutExtension + ".error.json"),
                RequestBody.fromString("""
                        {"batchId": "%s", "object": {"table": "%s", "key": "%s", "rows": 0, "row": 3,
                         "column": "amount", "problem": "'12.3.4' is not a valid numeric"}}"""
                        .formatted(batchId.replace("\"", "\\\""), table, objectKey)));
    }

    private List<HttpResponse<String>> viewersAtOnce(int viewers, String address) throws Exception {
        ExecutorService browsers = Executors.newFixedThreadPool(viewers);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int viewer = 0; viewer < viewers; viewer++) {
                answers.add(browsers.submit(() -> get(address)));
            }
            List<HttpResponse<String>> views = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : answers) {
                views.add(answer.get(60, TimeUnit.SECONDS));
            }
            return views;
        } finally {
            browsers.shutdownNow();
        }
    }

    private HttpResponse<String> get(String address) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(address)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The requests for the quarantine since a count of requests (readiness's checks of the lake aside). */
    private static List<String> quarantineRequests(int since) {
        List<String> requests = FaultyLake.get().requests();
        return requests.subList(since, requests.size()).stream().filter(request -> request.contains("quarantine"))
                .toList();
    }

    /** The quarantine table's "what to do next" cells. */
    private static List<String> nextSteps(String quarantine) {
        List<String> steps = new ArrayList<>();
        Matcher cell = Pattern.compile("<td class=\"small\">(.*?)</td>").matcher(quarantine);
        while (cell.find()) {
            steps.add(cell.group(1));
        }
        assertThat(steps).as("next steps shown").isNotEmpty();
        return steps;
    }

    /** The table of the page with this id. */
    private static String section(String html, String id) {
        int start = html.indexOf("id=\"" + id + "\"");
        assertThat(start).as("the page has #%s", id).isNotNegative();
        int end = html.indexOf("</table>", start);
        return html.substring(start, end < 0 ? html.length() : end);
    }

    /** Pages kept an hour, so that what one read costs can be counted; a view waits 1 s for the page's connection. */
    public static class PagesKeptAnHour implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("etl.status.cache", "1h", "etl.status.connection-timeout", "1s",
                    "etl.cluster.file.root", "target/status-page-views-leader");
        }
    }
}
