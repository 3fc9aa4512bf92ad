package io.totesys.pipeline.operations;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.CamelEvent.CamelContextStartedEvent;
import org.jboss.logging.Logger;

import io.quarkus.runtime.Quarkus;
import io.totesys.pipeline.reconcile.Reconciliations;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.stage.StageRuns;

/**
 * {@code ETL_RUN_ONCE=true}: once Camel has started, runs one batch of every stage in
 * order, with a reconciliation after the extract when one is due, then exits 0, or 1 with a one-line reason at the first stage that fails. The
 * stages' timers do not start in this mode. For Kubernetes CronJobs and batch use.
 */
@ApplicationScoped
public class RunOnce {

    private static final Logger LOG = Logger.getLogger(RunOnce.class);
    private static final Duration NOTES_PATIENCE = Duration.ofSeconds(5);

    private final boolean enabled;
    private final ProducerTemplate producer;
    private final FailureDiagnosis diagnosis;
    private final StageRuns runs;

    RunOnce(PipelineSettings settings, ProducerTemplate producer, FailureDiagnosis diagnosis, StageRuns runs) {
        this.enabled = settings.runOnce();
        this.producer = producer;
        this.diagnosis = diagnosis;
        this.runs = runs;
    }

    void onCamelStarted(@Observes CamelContextStartedEvent event) {
        if (enabled) {
            Thread cycle = new Thread(this::runCycle, "run-once");
            cycle.setDaemon(true);
            cycle.start();
        }
    }

    private void runCycle() {
        for (PipelineStage stage : PipelineStage.values()) {
            if (!run(stage.endpointUri(), stage.stageName() + " stage")) {
                return;
            }
            if (stage == PipelineStage.EXTRACT && !run(Reconciliations.ENDPOINT, "reconciliation")) {
                return;
            }
        }
        LOG.info("Run once complete: every stage ran one batch");
        exit(0);
    }

    /**
     * Runs one batch of a stage, or a reconciliation when one is due (its repair batch then
     * goes through the transform and the load with the rest); whether it succeeded.
     */
    private boolean run(String endpointUri, String what) {
        Exchange result = producer.send(endpointUri, exchange -> {
        });
        Throwable failure = BatchFailure.of(result);
        if (failure != null) {
            LOG.errorf("Run once failed at the %s: %s", what, diagnosis.explain(failure));
            exit(1);
            return false;
        }
        return true;
    }

    /** Exits once the status page's notes of the run are written (a few seconds at most). */
    private void exit(int code) {
        runs.awaitWritten(NOTES_PATIENCE);
        Quarkus.asyncExit(code);
    }
}
