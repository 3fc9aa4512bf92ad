package io.totesys.pipeline.lake;

import java.util.ArrayList;
import java.util.List;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A copy of an object to another key of its bucket. Up to the threshold
 * ({@code S3_MULTIPART_COPY_THRESHOLD}) it is one {@code CopyObject}, which S3 refuses for a
 * source over 5 GiB; above it, a multipart upload whose parts are copied on the server
 * ({@code UploadPartCopy}, {@code S3_MULTIPART_COPY_PART_SIZE} each, more when the object
 * needs more than S3's 10,000 parts), each part only from the version of the source its
 * first request saw. A multipart copy that fails is aborted, leaving no parts behind.
 */
final class ObjectCopy {

    /** S3's limits: the largest source of a {@code CopyObject} and part, the smallest part but the last, parts. */
    static final long MAX_SINGLE_COPY = 5L << 30;
    static final long MIN_PART = 5L << 20;
    static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final String bucket;
    private final long threshold;
    private final long partSize;

    ObjectCopy(S3Client s3, String bucket, long threshold, long partSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.threshold = threshold;
        this.partSize = partSize;
    }

    /** Whether an object of the given size is copied in parts. */
    boolean inParts(long bytes) {
        return bytes > threshold;
    }

    /** Copies in one request; the caller knows the source is no larger than the threshold. */
    void whole(String fromKey, String toKey) {
        s3.copyObject(request -> request.sourceBucket(bucket).sourceKey(fromKey).destinationBucket(bucket)
                .destinationKey(toKey));
    }

    /** Copies in parts, with the source's content type and metadata. */
    void inParts(String fromKey, HeadObjectResponse source, String toKey) {
        String uploadId = s3.createMultipartUpload(request -> request.bucket(bucket).key(toKey)
                .contentType(source.contentType()).metadata(source.metadata())).uploadId();
        try {
            long bytes = source.contentLength();
            long size = partSize(bytes);
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < bytes; offset += size) {
                int number = parts.size() + 1;
                String range = "bytes=" + offset + "-" + (Math.min(bytes, offset + size) - 1);
                String eTag = s3.uploadPartCopy(request -> request.sourceBucket(bucket).sourceKey(fromKey)
                        .copySourceIfMatch(source.eTag()).destinationBucket(bucket).destinationKey(toKey)
                        .uploadId(uploadId).partNumber(number).copySourceRange(range)).copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).build());
            }
            s3.completeMultipartUpload(request -> request.bucket(bucket).key(toKey).uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(parts)));
        } catch (SdkException e) {
            abort(toKey, uploadId, e);
            throw e;
        }
    }

    /** The size of each part but the last: the setting, or larger when the object needs more than S3's parts. */
    long partSize(long bytes) {
        return Math.max(partSize, (bytes + MAX_PARTS - 1) / MAX_PARTS);
    }

    private void abort(String toKey, String uploadId, SdkException failure) {
        try {
            s3.abortMultipartUpload(request -> request.bucket(bucket).key(toKey).uploadId(uploadId));
        } catch (SdkException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Why the settings cannot work, or {@code null} when they can: a part outside S3's limits, a
     * threshold above what one {@code CopyObject} takes.
     */
    static String settingsProblem(long threshold, long partSize) {
        if (threshold < 0 || threshold > MAX_SINGLE_COPY) {
            return "S3_MULTIPART_COPY_THRESHOLD " + threshold + " is not between 0 and " + MAX_SINGLE_COPY
                    + " bytes (5 GiB, the largest object S3 copies in one request): write a size in bytes";
        }
        if (partSize < MIN_PART || partSize > MAX_SINGLE_COPY) {
            return "S3_MULTIPART_COPY_PART_SIZE " + partSize + " is not between " + MIN_PART + " (5 MiB) and "
                    + MAX_SINGLE_COPY + " bytes (5 GiB), S3's limits on a part: write a size in bytes";
        }
        return null;
    }
}
