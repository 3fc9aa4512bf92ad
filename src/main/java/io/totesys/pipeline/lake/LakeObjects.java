package io.totesys.pipeline.lake;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The objects of one lake bucket, for the bookkeeping that routes do not express: does an
 * object exist, remove one. Objects are removed one at a time: S3-compatible servers do
 * not all support multi-object delete.
 */
public final class LakeObjects {

    private final S3Client s3;
    private final String bucket;

    public LakeObjects(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public String bucket() {
        return bucket;
    }

    public boolean exists(String key) {
        try {
            s3.headObject(request -> request.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Removes an object; removing one that does not exist is not an error. */
    public void delete(String key) {
        s3.deleteObject(request -> request.bucket(bucket).key(key));
    }
}
