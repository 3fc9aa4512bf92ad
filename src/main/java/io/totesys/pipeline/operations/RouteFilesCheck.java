package io.totesys.pipeline.operations;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.spi.CamelEvent.CamelContextInitializingEvent;
import org.jboss.logging.Logger;

/**
 * Route files copied from an earlier release into a ConfigMap of the user's own are
 * reported as the service starts, in one line that names the file and what to do, instead
 * of Camel's failure to build them. Each entry is a step id that only an earlier release's
 * files have.
 */
@ApplicationScoped
public class RouteFilesCheck {

    private static final Logger LOG = Logger.getLogger(RouteFilesCheck.class);

    /** Step ids of earlier releases' route files, with the file that had them. */
    private static final Map<String, String> RETIRED_STEPS = Map.of(
            "read-parquet", "load.camel.yaml",
            "verify-parquet", "load.camel.yaml");

    /** Runs once the route files are read, before Camel builds their routes. */
    void check(@Observes CamelContextInitializingEvent event) {
        Model model = event.getContext().getCamelContextExtension().getContextPlugin(Model.class);
        model.getRouteDefinitions().forEach(route -> retiredStep(route.getOutputs()).ifPresent(step -> {
            String file = RETIRED_STEPS.get(step);
            LOG.errorf("Configuration error: %s in ETL_ROUTES_DIRECTORY is from an earlier release (its step %s is "
                    + "gone): take %s and stage-poll.camel.yaml from this release's routes/ and apply your changes "
                    + "to them", file, step, file);
            Runtime.getRuntime().halt(1);
        }));
    }

    private static Optional<String> retiredStep(Collection<? extends ProcessorDefinition<?>> steps) {
        for (ProcessorDefinition<?> step : steps) {
            if (step.getId() != null && RETIRED_STEPS.containsKey(step.getId())) {
                return Optional.of(step.getId());
            }
            Optional<String> nested = retiredStep(step.getOutputs());
            if (nested.isPresent()) {
                return nested;
            }
        }
        return Optional.empty();
    }
}
