package io.totesys.pipeline.stage;

import org.apache.camel.Exchange;

/**
 * The failure that ended a stage's batch, as the shared error handling leaves it on the
 * exchange for whoever sent it (run-once mode) and for the batch's own clean-up. Unlike
 * {@code Exchange.EXCEPTION_CAUGHT}, a failure a route handled on purpose (a quarantined
 * object) never lands here.
 */
public final class BatchFailure {

    /** The exchange property that holds the failure. */
    public static final String PROPERTY = "pipelineStageFailure";

    private BatchFailure() {
    }

    /** The failure that ended the exchange's batch, or {@code null} if none did. */
    public static Throwable of(Exchange exchange) {
        return exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(PROPERTY, Throwable.class);
    }

    /** Records the failure that ended the exchange's batch. */
    public static void record(Exchange exchange, Throwable failure) {
        exchange.setProperty(PROPERTY, failure);
    }
}
