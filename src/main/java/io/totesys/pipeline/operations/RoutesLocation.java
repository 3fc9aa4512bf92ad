package io.totesys.pipeline.operations;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.quarkus.main.events.BeforeConfigure;
import org.jboss.logging.Logger;

/**
 * The routes the service runs: those inside the jar, so that it runs from any working
 * directory, or, when {@code ETL_ROUTES_DIRECTORY} names a folder, that folder's
 * {@code *.camel.yaml} files instead, as a whole (no route twice). Chosen before Camel Main
 * reads its settings and loads the routes (so {@code camel.main.routes-include-pattern},
 * if set, still wins); a folder that is not there stops the service with one line naming
 * the setting.
 */
@ApplicationScoped
public class RoutesLocation {

    static final String FILES = "*.camel.yaml";

    /** The routes inside the jar: the project's {@code routes/}, which the build copies. */
    static final String BUNDLED = "classpath:routes/" + FILES;

    private static final Logger LOG = Logger.getLogger(RoutesLocation.class);

    void choose(@Observes BeforeConfigure event, RoutesSettings settings) {
        String pattern = settings.directory().map(directory -> {
            String problem = directoryProblem(directory);
            if (problem != null) {
                LOG.errorf("Configuration error: %s", problem);
                Runtime.getRuntime().halt(1);
            }
            LOG.infof("Routes from %s (ETL_ROUTES_DIRECTORY) instead of those inside the jar", directory);
            return "file:" + directory.toAbsolutePath().normalize() + "/" + FILES;
        }).orElse(BUNDLED);
        event.getMain().configure().setRoutesIncludePattern(pattern);
    }

    /** Why the folder cannot replace the routes inside the jar, or {@code null} when it can. */
    static String directoryProblem(Path directory) {
        if (!Files.isDirectory(directory)) {
            return "ETL_ROUTES_DIRECTORY '" + directory + "' is not a folder: point it at a folder of " + FILES
                    + " files, or leave it unset to run the routes inside the jar";
        }
        try (DirectoryStream<Path> routes = Files.newDirectoryStream(directory, FILES)) {
            if (!routes.iterator().hasNext()) {
                return "ETL_ROUTES_DIRECTORY '" + directory + "' holds no " + FILES + " file: copy this release's "
                        + "routes/ into it, or leave it unset to run the routes inside the jar";
            }
        } catch (IOException e) {
            return "ETL_ROUTES_DIRECTORY '" + directory + "' cannot be read (" + e.getMessage() + ")";
        }
        return null;
    }
}
