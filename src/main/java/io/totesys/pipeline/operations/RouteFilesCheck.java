package io.totesys.pipeline.operations;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.model.CatchDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.TryDefinition;
import org.apache.camel.spi.CamelEvent.CamelContextInitializingEvent;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.csv.InvalidSourceDataException;

/**
 * Route files copied from an earlier release into a ConfigMap of the user's own are
 * reported as the service starts, in one line that names the file and what to do, instead
 * of Camel's failure to build them: a step id that only an earlier release's files have, a
 * step this release's stages need that they lack (the run taking its stage, which the stages'
 * beans check: {@code StageStart}), or an exception class they catch by a name this release no
 * longer has.
 */
@ApplicationScoped
public class RouteFilesCheck {

    private static final Logger LOG = Logger.getLogger(RouteFilesCheck.class);

    /** Step ids of earlier releases' route files, with the file that had them. */
    private static final Map<String, String> RETIRED_STEPS = Map.of(
            "read-parquet", "load.camel.yaml",
            "verify-parquet", "load.camel.yaml");

    /** A step this release's route (or route template) needs, with the file that has it. */
    private record RequiredStep(String step, String file) {
    }

    /** Steps earlier releases' route files lack, by the route or route template that must have them. */
    private static final Map<String, RequiredStep> REQUIRED_STEPS = Map.of(
            "extract-batch", new RequiredStep("start-extract-batch", "extract.camel.yaml"),
            "extract-reconcile", new RequiredStep("start-reconciliation", "extract.camel.yaml"),
            "stage-pending", new RequiredStep("hold-{{stage}}-stage", "stage-poll.camel.yaml"));

    /** Exception classes earlier releases' route files catch, by their name in this release. */
    private static final Map<String, String> MOVED_CLASSES = Map.of(
            "io.totesys.pipeline.source.InvalidSourceDataException", InvalidSourceDataException.class.getName());

    /** Runs once the route files are read, before Camel builds their routes. */
    void check(@Observes CamelContextInitializingEvent event) {
        Model model = event.getContext().getCamelContextExtension().getContextPlugin(Model.class);
        model.getRouteDefinitions().forEach(route -> find(route.getOutputs(), RouteFilesCheck::retiredStep)
                .ifPresent(step -> {
                    String file = RETIRED_STEPS.get(step);
                    LOG.errorf("Configuration error: %s in ETL_ROUTES_DIRECTORY is from an earlier release (its step "
                            + "%s is gone): take %s and stage-poll.camel.yaml from this release's routes/ and apply "
                            + "your changes to them", file, step, file);
                    Runtime.getRuntime().halt(1);
                }));
        model.getRouteDefinitions().forEach(route -> lacksRequiredStep(route.getRouteId(), route.getOutputs()));
        model.getRouteTemplateDefinitions().forEach(template -> lacksRequiredStep(template.getId(),
                template.getRoute().getOutputs()));
        model.getRouteDefinitions().forEach(route -> find(route.getOutputs(), RouteFilesCheck::movedClass)
                .ifPresent(moved -> {
                    LOG.errorf("Configuration error: a route file in ETL_ROUTES_DIRECTORY (route %s) is from an "
                            + "earlier release: it catches %s, which this release calls %s; take the file from this "
                            + "release's routes/ and apply your changes to it", route.getRouteId(), moved,
                            MOVED_CLASSES.get(moved));
                    Runtime.getRuntime().halt(1);
                }));
    }

    /** Stops the service when a route or template this release needs a step of has none by that id. */
    private static void lacksRequiredStep(String id, Collection<? extends ProcessorDefinition<?>> steps) {
        RequiredStep required = id == null ? null : REQUIRED_STEPS.get(id);
        if (required != null && find(steps, step -> Optional.ofNullable(step.getId())
                .filter(required.step()::equals)).isEmpty()) {
            LOG.errorf("Configuration error: %s in ETL_ROUTES_DIRECTORY is from an earlier release (%s lacks the step "
                    + "%s): take %s and stage-poll.camel.yaml from this release's routes/ and apply your changes to "
                    + "them", required.file(), id, required.step(), required.file());
            Runtime.getRuntime().halt(1);
        }
    }

    /** The first finding of any step, depth first through nested steps and a doTry's catch clauses. */
    private static Optional<String> find(Collection<? extends ProcessorDefinition<?>> steps,
            Function<ProcessorDefinition<?>, Optional<String>> finding) {
        for (ProcessorDefinition<?> step : steps) {
            Optional<String> found = finding.apply(step)
                    .or(() -> step instanceof TryDefinition attempt && attempt.getCatchClauses() != null
                            ? find(attempt.getCatchClauses(), finding)
                            : Optional.empty())
                    .or(() -> find(step.getOutputs(), finding));
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** A step id only an earlier release's route files have. */
    private static Optional<String> retiredStep(ProcessorDefinition<?> step) {
        return Optional.ofNullable(step.getId()).filter(RETIRED_STEPS::containsKey);
    }

    /** An exception class a catch clause names by the name an earlier release gave it. */
    private static Optional<String> movedClass(ProcessorDefinition<?> step) {
        return step instanceof CatchDefinition caught
                ? caught.getExceptions().stream().filter(MOVED_CLASSES::containsKey).findFirst()
                : Optional.empty();
    }
}
