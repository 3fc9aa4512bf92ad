package io.totesys.pipeline.source;

/** Reading ToteSys failed; the cause says why (connection, login, privileges, ...). */
public class SourceReadException extends RuntimeException {

    public SourceReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
