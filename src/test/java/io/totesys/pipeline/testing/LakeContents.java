package io.totesys.pipeline.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What a lake bucket holds, read back through the S3 API as a user would. */
public final class LakeContents {

    private final S3Client s3;
    private final String bucket;

    public LakeContents(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Every key in the bucket under a prefix, sorted. */
    public List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    public String read(String key) {
        return s3.getObjectAsBytes(request -> request.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
    }

    /** Removes every object, one at a time (s3proxy does not take multi-object deletes). */
    public void clear() {
        for (String key : keys("")) {
            s3.deleteObject(request -> request.bucket(bucket).key(key));
        }
    }
}
