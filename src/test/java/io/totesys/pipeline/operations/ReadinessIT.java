package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.ServiceReadiness;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.PipelineService;

/**
 * Readiness of the packaged service while its dependencies come and go: it starts while
 * S3 is down, then PostgreSQL goes away and comes back, then each login is refused in
 * turn. Readiness is DOWN with a message that names the one that fails, and UP again once
 * it answers, with no restart.
 * This test has a world of its own, since it stops its servers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadinessIT {

    private static EmbeddedWorld world;
    private static PipelineService service;
    private static int port;
    private static int jolokiaPort;
    private static final String CONSOLE_ORIGIN = "http://console.example.com";

    @BeforeAll
    static void startTheServiceInAWorldOfItsOwn() throws IOException {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "readiness-world-");
        world = EmbeddedWorld.start(directory, 0, 0);
        port = FreePort.find();
        jolokiaPort = FreePort.find();
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        world.objectStore().stop(); // the service starts while the lake is down
        environment.put("ETL_HTTP_PORT", String.valueOf(port));
        environment.put("ETL_JOLOKIA_PORT", String.valueOf(jolokiaPort));
        environment.put("ETL_HEALTH_CHECK_INTERVAL", "1s");
        environment.put("ETL_POLL_INTERVAL", "1h");
        environment.put("ETL_JOLOKIA_ALLOWED_ORIGINS", CONSOLE_ORIGIN);
        // The passwords as system properties too, as docs/configuration.md allows: Jolokia must not show them.
        service = PipelineService.start(environment, directory.resolve("service.log"),
                "-Dquarkus.datasource.password=" + DatabaseServer.WAREHOUSE_PASSWORD,
                "-Dquarkus.datasource.totesys.password=" + DatabaseServer.READER_PASSWORD);
    }

    @AfterAll
    static void stopEverything() {
        service.close();
        world.close();
    }

    @Test
    @Order(1) // the lake is down until this test starts it
    void readinessNamesTheDependencyThatIsDownAndRecoversByItself() throws InterruptedException {
        awaitReadiness(503, "cannot reach the lake", "S3_ENDPOINT", "\"totesys\": \"UP\"");
        world.objectStore().start();
        awaitReadiness(200, "\"lake\": \"UP\"");

        world.stopDatabases();
        awaitReadiness(503, "cannot connect to ToteSys", "TOTESYS_JDBC_URL", "cannot connect to the warehouse",
                "WAREHOUSE_JDBC_URL", "\"lake\": \"UP\"");
        world.startDatabases();
        awaitReadiness(200, "\"totesys\": \"UP\"", "\"warehouse\": \"UP\"");

        DatabaseServer.execute(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.READER + " NOLOGIN",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + DatabaseServer.READER
                        + "'");
        String body = awaitReadiness(503, "ToteSys", "TOTESYS_USERNAME and TOTESYS_PASSWORD");
        assertThat(body).contains("\"warehouse\": \"UP\"", "\"lake\": \"UP\"");
        DatabaseServer.execute(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.READER + " LOGIN");
        awaitReadiness(200, "\"totesys\": \"UP\"");

        DatabaseServer.execute(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.WAREHOUSE_USER + " NOLOGIN",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"
                        + DatabaseServer.WAREHOUSE_USER + "'");
        body = awaitReadiness(503, "the warehouse", "WAREHOUSE_USERNAME and WAREHOUSE_PASSWORD");
        assertThat(body).contains("\"totesys\": \"UP\"");
        DatabaseServer.execute(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.WAREHOUSE_USER + " LOGIN");
        awaitReadiness(200, "\"warehouse\": \"UP\"");

        assertThat(service.isAlive()).as("the service never restarted").isTrue();
        assertThat(service.output()).doesNotContain(DatabaseServer.READER_PASSWORD, DatabaseServer.WAREHOUSE_PASSWORD);
    }

    /** Jolokia, which Hawtio reads, answers reads of the Camel and JVM MBeans and refuses everything else. */
    @Test
    void jolokiaOnlyReadsTheCamelAndJvmMBeans() throws Exception {
        awaitJolokia("read/org.apache.camel:type=context,*/State", "Started");
        assertThat(jolokia("read/java.lang:type=Memory/HeapMemoryUsage")).contains("\"status\":200", "\"used\"");
        assertThat(jolokia("search/*:type=routes,*")).contains("extract-poll", "load-poll");
        assertThat(jolokia("exec/java.lang:type=Memory/gc")).as("operations").contains("\"status\":403");
        assertThat(jolokia("write/java.lang:type=Memory/Verbose/true")).as("writes").contains("\"status\":403");
        assertThat(jolokia("read/com.sun.management:type=HotSpotDiagnostic/DiagnosticOptions"))
                .as("other domains").contains("\"status\":403");
        List<String> listedDomains = new ArrayList<>();
        new ObjectMapper().readTree(jolokia("list")).get("value").fieldNames().forEachRemaining(listedDomains::add);
        assertThat(listedDomains).as("domains listed").containsExactlyInAnyOrder("org.apache.camel", "java.lang",
                "java.nio");
    }

    /**
     * A password given as a system property is in the JVM's SystemProperties and
     * InputArguments: no read, list or search returns it, not even a read of all of
     * {@code java.lang:type=Runtime} or of every attribute of every MBean Jolokia shows.
     */
    @Test
    void jolokiaNeverReturnsASecretPassedAsASystemProperty() throws Exception {
        awaitJolokia("read/org.apache.camel:type=context,*/State", "Started");
        assertThat(jolokia("read/java.lang:type=Runtime/Uptime")).contains("\"status\":200");
        assertThat(jolokia("read/java.lang:type=Runtime/SystemProperties")).contains("\"status\":403");
        assertThat(jolokia("read/java.lang:type=Runtime/InputArguments")).contains("\"status\":403");
        for (String request : List.of("read/java.lang:type=Runtime", "read/java.lang:*", "read/org.apache.camel:*",
                "read/java.nio:*", "list", "search/*:*")) {
            assertThat(jolokia(request)).as(request).doesNotContain(DatabaseServer.WAREHOUSE_PASSWORD,
                    DatabaseServer.READER_PASSWORD);
        }
        assertThat(readiness().await(Duration.ofSeconds(90), 200, "\"warehouse\": \"UP\""))
                .as("the service logs in with the passwords from the system properties").isNotEmpty();
    }

    /** A browser page may call Jolokia only from an origin ETL_JOLOKIA_ALLOWED_ORIGINS names. */
    @Test
    void jolokiaAnswersBrowserPagesOnlyFromTheAllowedOrigins() throws Exception {
        awaitJolokia("read/org.apache.camel:type=context,*/State", "Started");
        assertThat(jolokia("read/java.lang:type=Memory/HeapMemoryUsage", "http://attacker.example.com"))
                .contains("\"status\":403").doesNotContain("\"used\"");
        assertThat(jolokia("read/java.lang:type=Memory/HeapMemoryUsage", CONSOLE_ORIGIN))
                .contains("\"status\":200", "\"used\"");
    }

    /** Waits until Jolokia answers the request with the text: the service and its Camel context are up. */
    private void awaitJolokia(String request, String text) {
        Eventually.answers("Jolokia answers " + request + " with " + text, Duration.ofSeconds(90),
                () -> jolokia(request), answer -> answer.contains(text), () -> "service output:\n" + service.output());
    }

    private String jolokia(String request) throws IOException, InterruptedException {
        return jolokia(request, null);
    }

    /** The body Jolokia answers with, to a request from a browser page of the origin, if one is given. */
    private String jolokia(String request, String origin) throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + jolokiaPort + "/jolokia/" + request));
        if (origin != null) {
            builder.header("Origin", origin);
        }
        return HttpClient.newHttpClient().send(builder.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private ServiceReadiness readiness() {
        return new ServiceReadiness(port, service::output);
    }

    private String awaitReadiness(int status, String... texts) throws InterruptedException {
        return readiness().await(Duration.ofSeconds(90), status, texts);
    }
}
