package io.totesys.pipeline.stage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.Exchange;

import io.totesys.pipeline.lake.LakeBuckets;

/**
 * What every run of a stage starts with, before it reads the pipeline's state: the lake's
 * bucket the stage starts from is there, the pipeline schema is migrated, and no other
 * consumer runs the stage ({@link StageLocks}), which this run then holds until its exchange
 * completes. What a stage does next under its lock (the extract settles batches a crash cut
 * short, the transform restores the batches to replay) stays with the stage.
 * <p>
 * It is a step of the routes ({@code hold-extract-stage} in {@code routes/extract.camel.yaml},
 * {@code hold-<stage>-stage} in the {@code stage-pending} template), so that a reader sees
 * where a run takes the stage; a step that must run under the lock checks that the run holds
 * it ({@link #requireHeld}), so that a route file that lost the step fails at once, naming it.
 */
@ApplicationScoped
@Named("stageStart")
public class StageStart {

    /** The exchange property, one per stage, that says the exchange holds the stage. */
    private static final String HELD_PROPERTY = "pipeline.stageHeld.";

    private final LakeBuckets buckets;
    private final PipelineSchema schema;
    private final StageLocks stageLocks;

    StageStart(LakeBuckets buckets, PipelineSchema schema, StageLocks stageLocks) {
        this.buckets = buckets;
        this.schema = schema;
        this.stageLocks = stageLocks;
    }

    /**
     * Checks the bucket the stage starts from (the ingest bucket, which the extract writes and
     * the transform reads; the processed bucket, which the load reads) and the pipeline schema,
     * then waits until the stage is free and holds it for the exchange.
     */
    public void begin(PipelineStage stage, Exchange exchange) {
        if (stage == PipelineStage.LOAD) {
            buckets.verifyProcessed();
        } else {
            buckets.verifyIngest();
        }
        schema.ensureMigrated();
        stageLocks.holdFor(stage, exchange);
        exchange.setProperty(HELD_PROPERTY + stage.stageName(), true);
    }

    /** Fails unless the exchange holds the stage: its route file lacks the step that takes it. */
    public static void requireHeld(PipelineStage stage, Exchange exchange) {
        if (!exchange.getProperty(HELD_PROPERTY + stage.stageName(), false, Boolean.class)) {
            throw new RouteFileException("the " + stage.stageName() + " stage's run does not hold its lock: "
                    + "the route file lacks the step hold-" + stage.stageName() + "-stage; take it from this "
                    + "release's routes/");
        }
    }
}
