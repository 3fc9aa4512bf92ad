package io.totesys.pipeline.lake;

/** An object that should be in the lake, because a manifest names it, is not there. */
public class MissingLakeObjectException extends LakeObjectException {

    public MissingLakeObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
