package io.totesys.pipeline.operations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.jboss.logging.Logger;

/**
 * The shared error handling of every stage route ({@code routes/error-handling.camel.yaml}):
 * a failed batch is reported in one line that says what to do, and the stage tries again
 * after a backoff ({@link StageRetries}). The failure stays on the exchange, in {@link #FAILURE_PROPERTY}, for
 * whoever sent it (run-once mode) and for the batch's own clean-up.
 */
@ApplicationScoped
@Named("stageFailures")
public class StageFailures {

    /**
     * The exchange property that holds the failure that ended a stage's batch. Unlike
     * {@code Exchange.EXCEPTION_CAUGHT}, a failure a route handled on purpose (a
     * quarantined object) never lands here.
     */
    public static final String FAILURE_PROPERTY = "pipelineStageFailure";

    private static final Logger LOG = Logger.getLogger(StageFailures.class);

    private final FailureDiagnosis diagnosis;
    private final PipelineMetrics metrics;
    private final StageRetries retries;

    StageFailures(FailureDiagnosis diagnosis, PipelineMetrics metrics, StageRetries retries) {
        this.diagnosis = diagnosis;
        this.metrics = metrics;
        this.retries = retries;
    }

    /** The failure that ended the exchange's batch, if one did. */
    public static Throwable failureOf(Exchange exchange) {
        return exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(FAILURE_PROPERTY, Throwable.class);
    }

    public void report(Exchange exchange, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable failure) {
        exchange.setProperty(FAILURE_PROPERTY, failure);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, exchange.getFromRouteId(), String.class);
        String retry = PipelineStage.ofRoute(routeId).map(stage -> {
            metrics.failed(stage);
            return "; next attempt in " + retries.failed(stage).toMillis() / 1000.0 + " s";
        }).orElse("");
        LOG.errorf("%s failed: %s%s", routeId, diagnosis.explain(failure), retry);
        LOG.debugf(failure, "%s failed", routeId);
    }
}
