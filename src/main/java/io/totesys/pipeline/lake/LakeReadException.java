package io.totesys.pipeline.lake;

import java.io.IOException;

/**
 * Reading an object's content failed on the way, not for what the content is: a connection
 * cut mid-read, a timeout, an S3 error while the body streamed. Transient: the stage fails
 * and tries again after its backoff; it is never evidence to quarantine the object on.
 */
public class LakeReadException extends IOException {

    public LakeReadException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The read failure somewhere in a failure's causes, if there is one. */
    public static LakeReadException in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof LakeReadException read) {
                return read;
            }
        }
        return null;
    }
}
