package io.totesys.pipeline.lake;

import java.util.List;

/**
 * The first keys under a prefix, from one bounded listing (S3 ListObjectsV2 with
 * {@code max-keys}), in key order, each with its ETag; and whether the prefix holds more.
 */
public record KeyListing(List<Listed> objects, boolean truncated) {

    /** A key and its object's ETag, which changes whenever the object is written again. */
    public record Listed(String key, String eTag) {
    }
}
