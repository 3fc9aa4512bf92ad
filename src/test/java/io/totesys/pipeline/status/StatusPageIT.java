package io.totesys.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.ObjectStoreServer;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The status page of the packaged service, opened in Debian's headless Chromium while the
 * embedded world runs and ToteSys changes: it shows the batches through the three hops, a
 * quarantined object with its report and next step, and the freshness lag; it links each
 * batch's manifests, pages the batch log, never shows a secret, and still renders, naming what
 * is unreachable, while the databases are down. It saves the screenshot docs/operations.md shows
 * ({@code target/status-page.png}, committed as {@code docs/status-page.png}).
 * This test has a world of its own, since it stops its databases.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusPageIT {

    /** A manifest that is not JSON: the transform quarantines it with a report. */
    private static final String BROKEN_BATCH = "20261126T000000000Z-badbad";
    private static final Path SCREENSHOT = Path.of("target", "status-page.png");

    private static EmbeddedWorld world;
    private static PipelineService service;
    private static ToteSysSimulator simulator;
    private static String page;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startTheServiceWhileToteSysChanges() throws IOException {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "status-page-world-");
        world = EmbeddedWorld.start(directory, 0, 0);
        simulator = new ToteSysSimulator(world.totesysOwner(), 17);
        simulator.seed(0.02);
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET)
                .key("input/_manifests/date=2026-11-26/" + BROKEN_BATCH + ".json"),
                RequestBody.fromString("{\"batchId\": \"" + BROKEN_BATCH + "\", \"objects\": [not json"));
        int port = FreePort.find();
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_HTTP_PORT", String.valueOf(port));
        environment.put("ETL_JOLOKIA_PORT", String.valueOf(FreePort.find()));
        environment.put("ETL_POLL_INTERVAL", "2s");
        environment.put("ETL_STAGE_POLL_INTERVAL", "1s");
        environment.put("ETL_HEALTH_CHECK_INTERVAL", "1s");
        service = PipelineService.start(environment, directory.resolve("service.log"));
        page = "http://127.0.0.1:" + port + "/status";
    }

    @AfterAll
    static void stopEverything() {
        service.close();
        world.close();
    }

    @Test
    @Order(1)
    void chromiumShowsTheBatchesAQuarantinedObjectAndTheLag() throws Exception {
        awaitLoadedBatches(3);
        String html = awaitPage(body -> body.contains(BROKEN_BATCH) && body.contains("leader"));

        List<String> loaded = SqlRows.column(world.databases().warehouse(),
                "SELECT batch_id FROM pipeline.load_batch ORDER BY batch_id DESC LIMIT 3");
        String dom = HeadlessChromium.dom(page);
        assertThat(section(dom, "batches")).as("the recent batches, each with its manifests")
                .contains(loaded.toArray(String[]::new))
                .contains("/status/batches/" + loaded.get(0) + "/manifests", "sales_order", "rows in");
        assertThat(section(dom, "quarantine")).as("the quarantined manifest, its report and what to do next")
                .contains(BROKEN_BATCH, "s3://" + EmbeddedWorld.INGEST_BUCKET + "/quarantine/_manifests/",
                        "INSERT INTO pipeline.replay_request (batch_id) VALUES ('" + BROKEN_BATCH + "')");
        assertThat(dom).as("the freshness lag").containsPattern("id=\"lag\">The warehouse is <span class=\"lag\">"
                + "[0-9.]+ s</span> behind ToteSys");
        assertThat(section(dom, "stages")).contains("extract", "transform", "load")
                .containsPattern("<td>load</td><td><code>\\d{8}T\\d{9}Z-[0-9a-f]{6}</code>");
        assertThat(section(dom, "replicas")).contains("leader");
        assertThat(dom).as("the chart").contains("<svg id=\"chart\"", "<rect", "<polyline");
        assertThat(section(dom, "readiness")).contains("totesys", "warehouse", "lake", "UP");
        assertThat(html).doesNotContain(DatabaseServer.WAREHOUSE_PASSWORD, DatabaseServer.READER_PASSWORD,
                ObjectStoreServer.SECRET_KEY);

        HeadlessChromium.screenshot(page, SCREENSHOT, 1280, 1500);
        assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);
    }

    @Test
    @Order(2)
    void eachBatchLinksItsManifestsAndTheLogPages() throws Exception {
        awaitLoadedBatches(3);
        String newest = SqlRows.text(world.databases().warehouse(),
                "SELECT max(batch_id) FROM pipeline.load_batch");
        HttpResponse<String> manifests = get(page + "/batches/" + newest + "/manifests");
        assertThat(manifests.statusCode()).isEqualTo(200);
        assertThat(manifests.body()).contains("\"extract\"", "\"transform\"", "\"batchId\" : \"" + newest + "\"",
                "processed/_manifests/", ".parquet");

        assertThat(get(page + "/batches/not-a-batch/manifests").statusCode()).isEqualTo(400);
        assertThat(get(page + "/batches/20200101T000000000Z-000000/manifests").statusCode()).isEqualTo(404);

        String older = get(page + "?before=" + newest).body();
        assertThat(section(older, "batches")).doesNotContain(newest + "<");
        assertThat(older).contains("id=\"newer\" href=\"/status?after=");
        HttpResponse<String> root = get(page.replace("/status", "/"));
        assertThat(root.statusCode()).isEqualTo(303);
        assertThat(root.headers().firstValue("Location")).hasValueSatisfying(location -> assertThat(location)
                .endsWith("/status"));
    }

    @Test
    @Order(3)
    void withTheDatabasesDownThePageSaysWhatIsUnreachable() throws Exception {
        awaitLoadedBatches(1);
        awaitPage(body -> body.contains(BROKEN_BATCH));
        world.stopDatabases();
        try {
            // the page's batches fail at once; readiness finds ToteSys gone on its own check
            awaitPage(body -> body.contains("cannot connect to the warehouse")
                    && body.contains("cannot connect to ToteSys"));
            String dom = HeadlessChromium.dom(page);
            assertThat(dom).contains("Batches unreachable: cannot connect to the warehouse", "WAREHOUSE_JDBC_URL")
                    .doesNotContain(DatabaseServer.WAREHOUSE_PASSWORD, DatabaseServer.READER_PASSWORD);
            assertThat(section(dom, "quarantine")).as("the lake still answers").contains(BROKEN_BATCH);
            assertThat(section(dom, "readiness")).contains("cannot connect to ToteSys", "TOTESYS_JDBC_URL");
        } finally {
            world.startDatabases();
        }
        awaitPage(body -> body.contains("id=\"batches\""));
    }

    /** Waits until the load has committed this many batches, changing ToteSys meanwhile. */
    private void awaitLoadedBatches(int batches) {
        Eventually.holds(batches + " batches loaded", Duration.ofSeconds(180), () -> {
            boolean loaded = loadedBatches() >= batches;
            if (!loaded) {
                simulator.change();
            }
            return loaded;
        }, () -> "service output:\n" + service.output());
    }

    /** Batches the load committed; none while the schema is not migrated yet. */
    private static long loadedBatches() {
        try {
            return SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.load_batch");
        } catch (IllegalStateException e) {
            return 0;
        }
    }

    private String awaitPage(Predicate<String> shows) {
        return Eventually.answers("the status page shows it", Duration.ofSeconds(120), () -> get(page),
                response -> response.statusCode() == 200 && shows.test(response.body()),
                () -> "service output:\n" + service.output()).body();
    }

    private HttpResponse<String> get(String address) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(address)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The table of the page with this id. */
    private static String section(String html, String id) {
        int start = html.indexOf("id=\"" + id + "\"");
        assertThat(start).as("the page has #%s", id).isNotNegative();
        int end = html.indexOf("</table>", start);
        return html.substring(start, end < 0 ? html.length() : end);
    }
}
