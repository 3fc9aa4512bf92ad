package io.totesys.pipeline.stage;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.camel.Exchange;

import io.totesys.pipeline.lake.LakeBuckets;

/**
 * What every run of a stage starts with, before it reads the pipeline's state: the lake's
 * bucket the stage starts from is there, the pipeline schema is migrated, and no other
 * consumer runs the stage ({@link StageLocks}), which this run then holds until its exchange
 * completes. What a stage does next under its lock (the extract settles batches a crash cut
 * short, the transform restores the batches to replay) stays with the stage.
 */
@ApplicationScoped
public class StageStart {

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
    }
}
