package io.totesys.pipeline.operations;

import java.nio.file.Path;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Where the route files come from: {@code etl.routes.*}. */
@ConfigMapping(prefix = "etl.routes")
public interface RoutesSettings {

    /**
     * A folder whose {@code *.camel.yaml} files replace the routes inside the jar as a whole
     * ({@code ETL_ROUTES_DIRECTORY}: the ConfigMap on Kubernetes, {@code routes/} for live
     * reload); none by default.
     */
    Optional<Path> directory();
}
