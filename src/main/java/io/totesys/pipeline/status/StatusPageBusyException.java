package io.totesys.pipeline.status;

/**
 * A view of the status page found no page read yet for its query and could not read one in
 * time: another view's read held the page's connection. It answers 503 with this one line.
 */
public class StatusPageBusyException extends RuntimeException {

    public StatusPageBusyException(String message) {
        super(message);
    }
}
