package io.totesys.pipeline.stage;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The stages of the pipeline in the order one cycle runs them, each with the endpoint of
 * the route that runs one batch of it (run-once mode sends to it).
 */
public enum PipelineStage {
    EXTRACT("direct:extract-batch"),
    TRANSFORM("direct:transform-pending"),
    LOAD("direct:load-pending");

    private final String endpointUri;

    PipelineStage(String endpointUri) {
        this.endpointUri = endpointUri;
    }

    public String endpointUri() {
        return endpointUri;
    }

    public String stageName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stage a route belongs to: route ids start with their stage's name. */
    public static Optional<PipelineStage> ofRoute(String routeId) {
        return Arrays.stream(values())
                .filter(stage -> routeId != null && routeId.startsWith(stage.stageName() + "-"))
                .findFirst();
    }
}
