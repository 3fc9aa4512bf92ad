package io.totesys.pipeline.stage;

/** Reading or writing the pipeline's own state in the warehouse database failed. */
public class PipelineStateException extends RuntimeException {

    public PipelineStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
