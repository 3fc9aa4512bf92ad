package io.totesys.pipeline.lake;

/**
 * A batch manifest that cannot be trusted: not JSON, larger than
 * {@code ETL_MAX_MANIFEST_SIZE}, without its batch id or its object list, naming a key
 * without an extension or outside its own batch, a table its stage does not know or an
 * object or table twice, or with a malformed high-water mark. The
 * stage quarantines the manifest with the objects of its batch and goes on to the next.
 */
public class InvalidManifestException extends InvalidLakeObjectException {

    public InvalidManifestException(String key, String problem, Throwable cause) {
        super(key, problem, cause);
    }
}
