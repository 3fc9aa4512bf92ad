package io.totesys.pipeline.lake;

/** An operation on one lake object failed; the message names the object, the cause says why. */
public class LakeObjectException extends RuntimeException {

    public LakeObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
