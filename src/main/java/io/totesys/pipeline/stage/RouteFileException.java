package io.totesys.pipeline.stage;

/**
 * A route file does not run a stage the way this release's beans need (a step is missing):
 * the message names the step and says to take the file from this release's {@code routes/}.
 */
public class RouteFileException extends RuntimeException {

    public RouteFileException(String message) {
        super(message);
    }
}
