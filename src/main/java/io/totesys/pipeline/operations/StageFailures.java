package io.totesys.pipeline.operations;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.jboss.logging.Logger;

import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.StageRetries;
import io.totesys.pipeline.stage.StageRuns;

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
    private final StageRuns runs;

    StageFailures(FailureDiagnosis diagnosis, PipelineMetrics metrics, StageRetries retries, StageRuns runs) {
        this.diagnosis = diagnosis;
        this.metrics = metrics;
        this.retries = retries;
        this.runs = runs;
    }

    public void report(Exchange exchange, @ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable failure) {
        BatchFailure.record(exchange, failure);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, exchange.getFromRouteId(), String.class);
        String explanation = diagnosis.explain(failure);
        String retry = PipelineStage.ofRoute(routeId).map(stage -> {
            metrics.failed(stage);
            Duration delay = retries.failed(stage);
            runs.failed(stage, explanation, delay);
            return "; next attempt in " + delay.toMillis() / 1000.0 + " s";
        }).orElse("");
        LOG.errorf("%s failed: %s%s", routeId, explanation, retry);
        LOG.debugf(failure, "%s failed", routeId);
    }
}
