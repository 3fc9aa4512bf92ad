package io.totesys.pipeline.lake;

/** A configured bucket cannot be used; the message names the bucket and its setting. */
public class LakeBucketException extends RuntimeException {

    public LakeBucketException(String message, Throwable cause) {
        super(message, cause);
    }
}
