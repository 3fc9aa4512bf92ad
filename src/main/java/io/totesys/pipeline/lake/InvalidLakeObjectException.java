package io.totesys.pipeline.lake;

/**
 * A lake object whose content cannot be trusted: not what its manifest says (size,
 * checksum, rows), not readable, or of a table the stage does not know. Unlike a failure to
 * reach the lake, trying again cannot help; the stage quarantines the object.
 */
public class InvalidLakeObjectException extends RuntimeException {

    private final String key;
    private final String problem;

    public InvalidLakeObjectException(String key, String problem, Throwable cause) {
        super(key + ": " + problem, cause);
        this.key = key;
        this.problem = problem;
    }

    /** The object's relative key. */
    public String key() {
        return key;
    }

    /** What is wrong with it, for the quarantine report. */
    public String problem() {
        return problem;
    }
}
