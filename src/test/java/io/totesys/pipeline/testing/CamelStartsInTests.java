package io.totesys.pipeline.testing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.quarkus.core.CamelRuntime;

import io.quarkus.runtime.StartupEvent;

/**
 * Starts Camel in {@code @QuarkusTest}s as the jar's main does for the service
 * ({@code PipelineMain}): with a {@code @QuarkusMain} in the application Camel Quarkus leaves
 * the start of Camel to the main, which a test does not run. Stopped, as always, when Quarkus
 * stops.
 */
@ApplicationScoped
class CamelStartsInTests {

    void start(@Observes StartupEvent event, CamelRuntime runtime) {
        runtime.start(new String[0]);
    }
}
