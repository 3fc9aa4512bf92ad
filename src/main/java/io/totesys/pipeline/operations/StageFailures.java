package io.totesys.pipeline.operations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.jboss.logging.Logger;

/**
 * The shared error handling of every stage route ({@code routes/error-handling.camel.yaml}):
 * a failed batch is reported in one line that says what to do, and the stage tries again
 * at its next poll. The failure stays on the exchange for whoever sent it (run-once mode).
 */
@ApplicationScoped
@Named("stageFailures")
public class StageFailures {

    private static final Logger LOG = Logger.getLogger(StageFailures.class);

    private final FailureDiagnosis diagnosis;

    StageFailures(FailureDiagnosis diagnosis) {
        this.diagnosis = diagnosis;
    }

    public void report(Exchange exchange, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable failure) {
        String routeId = exchange.getFromRouteId();
        LOG.errorf("%s failed: %s", routeId, diagnosis.explain(failure));
        LOG.debugf(failure, "%s failed", routeId);
    }
}
