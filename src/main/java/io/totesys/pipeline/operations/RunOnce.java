package io.totesys.pipeline.operations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.CamelEvent.CamelContextStartedEvent;
import org.jboss.logging.Logger;

import io.quarkus.runtime.Quarkus;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineSettings;
import io.totesys.pipeline.stage.PipelineStage;

/**
 * {@code ETL_RUN_ONCE=true}: once Camel has started, runs one batch of every stage in
 * order, then exits 0, or 1 with a one-line reason at the first stage that fails. The
 * stages' timers do not start in this mode. For Kubernetes CronJobs and batch use.
 */
@ApplicationScoped
public class RunOnce {

    private static final Logger LOG = Logger.getLogger(RunOnce.class);

    private final boolean enabled;
    private final ProducerTemplate producer;
    private final FailureDiagnosis diagnosis;

    RunOnce(PipelineSettings settings, ProducerTemplate producer, FailureDiagnosis diagnosis) {
        this.enabled = settings.runOnce();
        this.producer = producer;
        this.diagnosis = diagnosis;
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
            Exchange result = producer.send(stage.endpointUri(), exchange -> {
            });
            Throwable failure = BatchFailure.of(result);
            if (failure != null) {
                LOG.errorf("Run once failed at the %s stage: %s", stage.stageName(), diagnosis.explain(failure));
                Quarkus.asyncExit(1);
                return;
            }
        }
        LOG.info("Run once complete: every stage ran one batch");
        Quarkus.asyncExit(0);
    }
}
