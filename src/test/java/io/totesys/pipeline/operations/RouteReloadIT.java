package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;

/** A route file edited while the packaged service runs changes its behaviour within seconds, with no restart. */
class RouteReloadIT {

    private final EmbeddedWorld world = TestWorld.get();

    @Test
    void anEditedRouteFileIsReloadedWhileTheServiceRuns() throws Exception {
        ToteSysFixture.reset(world);
        Path routes = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "routes-");
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_HTTP_PORT", "0");
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_POLL_INTERVAL", "1s");
        environment.put("ETL_ROUTES_DIRECTORY", routes.toString());
        environment.put("ETL_ROUTES_RELOAD", "true");
        Path log = Files.createTempFile(Path.of("target"), "route-reload-", ".log");

        try (PipelineService service = PipelineService.start(environment, log)) {
            // Quarkus says it started once Camel has started every route and the file watcher.
            await(service, ") started in ", Duration.ofSeconds(60));

            Path extract = routes.resolve("extract.camel.yaml");
            String original = Files.readString(extract);
            String firstStep = "        - bean:\n            id: open-batch\n";
            assertThat(original).contains(firstStep);
            // Saved as editors save: a new file renamed over the old one, never half written.
            Path edit = routes.resolve("extract.camel.yaml.edit");
            Files.writeString(edit, original.replace(firstStep, "        - log:\n"
                    + "            id: reloaded-batch-log\n"
                    + "            message: \"Batch by the reloaded extract route\"\n" + firstStep));
            Files.move(edit, extract, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Instant edited = Instant.now();

            await(service, "Batch by the reloaded extract route", Duration.ofSeconds(20));
            assertThat(Duration.between(edited, Instant.now())).isLessThan(Duration.ofSeconds(20));
            assertThat(service.isAlive()).isTrue();
            assertThat(service.output()).as("the other stages' routes run on").doesNotContain("Error reloading");
        }
    }

    private static void await(PipelineService service, String text, Duration timeout) {
        Eventually.holds("'" + text + "' in the service's output", timeout, () -> service.output().contains(text),
                () -> "service output:\n" + service.output());
    }
}
