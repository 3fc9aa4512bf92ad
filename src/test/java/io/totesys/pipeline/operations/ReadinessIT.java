package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.testing.ServiceReadiness;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;

/**
 * Readiness of the packaged service while its dependencies come and go: it starts while
 * S3 is down, then PostgreSQL goes away and comes back, then each login is refused in
 * turn. Readiness is DOWN with a message that names the one that fails, and UP again once
 * it answers, with no restart.
 * This test has a world of its own, since it stops its servers.
 */
class ReadinessIT {

    private static EmbeddedWorld world;
    private static PipelineService service;
    private static int port;

    @BeforeAll
    static void startTheServiceInAWorldOfItsOwn() throws IOException {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "readiness-world-");
        world = EmbeddedWorld.start(directory, 0, 0);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        world.objectStore().stop(); // the service starts while the lake is down
        environment.put("ETL_HTTP_PORT", String.valueOf(port));
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_HEALTH_CHECK_INTERVAL", "1s");
        environment.put("ETL_POLL_INTERVAL", "1h");
        service = PipelineService.start(environment, directory.resolve("service.log"));
    }

    @AfterAll
    static void stopEverything() {
        service.close();
        world.close();
    }

    @Test
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
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + DatabaseServer.READER + "'");
        String body = awaitReadiness(503, "ToteSys", "TOTESYS_USERNAME and TOTESYS_PASSWORD");
        assertThat(body).contains("\"warehouse\": \"UP\"", "\"lake\": \"UP\"");
        DatabaseServer.execute(world.databases().superuser("postgres"), "ALTER ROLE " + DatabaseServer.READER + " LOGIN");
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

    private String awaitReadiness(int status, String... texts) throws InterruptedException {
        return new ServiceReadiness(port, service::output).await(Duration.ofSeconds(90), status, texts);
    }
}
