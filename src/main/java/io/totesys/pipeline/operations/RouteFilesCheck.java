package io.totesys.pipeline.operations;

import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent.CamelContextStartedEvent;
import org.jboss.logging.Logger;

/**
 * Route files a user copied from an earlier release, into a ConfigMap of their own say so
 * as the service starts, before any batch runs: one line that names the file and what to
 * do, instead of a failure at the first batch. Each entry is a step id that only an
 * earlier release's files have.
 */
@ApplicationScoped
public class RouteFilesCheck {

    private static final Logger LOG = Logger.getLogger(RouteFilesCheck.class);

    /** Step ids of earlier releases' route files, with the file that had them. */
    private static final Map<String, String> RETIRED_STEPS = Map.of(
            "read-parquet", "load.camel.yaml",
            "verify-parquet", "load.camel.yaml");

    /** Runs before run-once mode sends its first batch, and long before the first poll. */
    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) CamelContextStartedEvent event) {
        CamelContext context = event.getContext();
        RETIRED_STEPS.forEach((step, file) -> {
            if (context.getProcessor(step) != null) {
                LOG.errorf("Configuration error: %s in ETL_ROUTES_DIRECTORY is from an earlier release (its step %s is "
                        + "gone): take %s and stage-poll.camel.yaml from this release's routes/ and apply your changes "
                        + "to them", file, step, file);
                Runtime.getRuntime().halt(1);
            }
        });
    }
}
