package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;

/** Runs one batch of a stage in a {@code @QuarkusTest} application, as its timer would, and fails on failure. */
public final class PipelineStages {

    private PipelineStages() {
    }

    /** Runs one batch of each stage in turn: extract, transform, load. */
    public static void runEach(ProducerTemplate producer) {
        run(producer, PipelineStage.EXTRACT);
        run(producer, PipelineStage.TRANSFORM);
        run(producer, PipelineStage.LOAD);
    }

    public static void run(ProducerTemplate producer, PipelineStage stage) {
        Exchange result = producer.send(stage.endpointUri(), exchange -> {
        });
        Throwable failure = BatchFailure.of(result);
        assertThat(failure).as("%s stage failure", stage.stageName()).isNull();
    }
}
