package io.totesys.pipeline.lake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Checks that the lake's buckets exist before a stage writes anything to them. */
@ApplicationScoped
public class LakeBuckets {

    private final S3Client s3;
    private final LakeSettings settings;

    LakeBuckets(@Named("lakeS3Client") S3Client s3, LakeSettings settings) {
        this.s3 = s3;
        this.settings = settings;
    }

    public void verifyIngest() {
        verify(settings.ingestBucket(), "LAKE_INGEST_BUCKET");
    }

    public void verifyProcessed() {
        verify(settings.processedBucket(), "LAKE_PROCESSED_BUCKET");
    }

    private void verify(String bucket, String setting) {
        try {
            s3.headBucket(request -> request.bucket(bucket));
        } catch (NoSuchBucketException e) {
            throw new LakeBucketException("bucket '" + bucket + "' does not exist in the lake: create it or fix "
                    + setting, e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new LakeBucketException("bucket '" + bucket + "' does not exist in the lake: create it or fix "
                        + setting, e);
            }
            throw e;
        }
    }
}
