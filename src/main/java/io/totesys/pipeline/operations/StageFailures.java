package io.totesys.pipeline.operations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.jboss.logging.Logger;

import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.StageRetries;

/**
 * The shared error handling of every stage route ({@code routes/error-handling.camel.yaml}):
 * a failed batch is reported in one line that says what to do, and the stage tries again
 * after a backoff ({@link StageRetries}). The failure stays on the exchange as its
 * {@link BatchFailure}, for whoever sent it (run-once mode) and for the batch's own clean-up.
 */
@ApplicationScoped
@Named("stageFailures")
public class StageFailures {

    private static final Logger LOG = Logger.getLogger(StageFailures.class);

    private final FailureDiagnosis diagnosis;
    private final PipelineMetrics metrics;
    private final StageRetries retries;

    StageFailures(FailureDiagnosis diagnosis, PipelineMetrics metrics, StageRetries retries) {
        this.diagnosis = diagnosis;
        this.metrics = metrics;
        this.retries = retries;
    }

    public void report(Exchange exchange, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable failure) {
        BatchFailure.record(exchange, failure);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, exchange.getFromRouteId(), String.class);
        String retry = PipelineStage.ofRoute(routeId).map(stage -> {
            metrics.failed(stage);
            return "; next attempt in " + retries.failed(stage).toMillis() / 1000.0 + " s";
        }).orElse("");
        LOG.errorf("%s failed: %s%s", routeId, diagnosis.explain(failure), retry);
        LOG.debugf(failure, "%s failed", routeId);
    }
}
