package io.totesys.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;

/**
 * Issue 25 point 1: with {@code ETL_STATUS_USERNAME} and {@code ETL_STATUS_PASSWORD} set, the
 * status page and {@code /q/jolokia} need them, by HTTP basic authentication; health and
 * metrics stay open for the probes and Prometheus; the password is never logged.
 */
@QuarkusTest
@ServerBacked
@TestProfile(StatusLoginTest.WithALogin.class)
@WithTestResource(TestWorldResource.class)
class StatusLoginTest {

    private static final String USERNAME = "operator";
    private static final String PASSWORD = "correct horse battery staple";

    @TestHTTPResource("/")
    URL root;

    @Inject
    ProducerTemplate producer;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void thePageNeedsTheLoginAndTheProbesDoNot() throws Exception {
        ToteSysFixture.reset(TestWorld.get());
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        try (CapturedLog log = CapturedLog.ofEverything()) {
            HttpResponse<String> anonymous = get("status", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    challenge -> assertThat(challenge).startsWithIgnoringCase("basic"));
            assertThat(anonymous.body()).doesNotContain("id=\"batches\"");
            assertThat(get("status", USERNAME + ":wrong").statusCode()).isEqualTo(401);
            assertThat(get("status", "admin:" + PASSWORD).statusCode()).isEqualTo(401);
            assertThat(get("", null).statusCode()).as("/ leads to the page").isEqualTo(401);
            assertThat(get("status/batches/20261206T120000000Z-00abcd/manifests", null).statusCode())
                    .isEqualTo(401);
            assertThat(get("q/jolokia", null).statusCode()).isIn(401, 404);

            HttpResponse<String> loggedIn = get("status", USERNAME + ":" + PASSWORD);
            assertThat(loggedIn.statusCode()).isEqualTo(200);
            assertThat(loggedIn.body()).contains("id=\"batches\"");
            assertThat(get("q/health/live", null).statusCode()).isEqualTo(200);
            assertThat(get("q/metrics", null).statusCode()).isEqualTo(200);

            assertThat(log.lines()).noneMatch(line -> line.contains(PASSWORD));
        }
    }

    private HttpResponse<String> get(String path, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(10));
        if (credentials != null) {
            request.header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static class WithALogin implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("etl.status.login.username", USERNAME, "etl.status.login.password", PASSWORD,
                    "etl.cluster.file.root", "target/status-login-leader");
        }
    }
}
