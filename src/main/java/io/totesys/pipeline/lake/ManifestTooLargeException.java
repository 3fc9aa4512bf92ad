package io.totesys.pipeline.lake;

/**
 * A manifest a stage is about to write that the next stage would refuse to read, since it
 * is larger than {@code ETL_MAX_MANIFEST_SIZE}: the batch fails before it is published, so
 * that nothing of it is quarantined downstream with its rows already counted as in the lake.
 */
public class ManifestTooLargeException extends RuntimeException {

    public ManifestTooLargeException(String batchId, long size, long maxManifestSize) {
        super("the manifest of batch " + batchId + " would be " + size + " bytes, larger than ETL_MAX_MANIFEST_SIZE ("
                + maxManifestSize + " bytes), which the next stage reads at most: raise ETL_MAX_MANIFEST_SIZE");
    }
}
