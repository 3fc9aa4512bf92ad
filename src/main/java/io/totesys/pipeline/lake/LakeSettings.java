package io.totesys.pipeline.lake;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;

/** Where the lake is and how to reach it (docs/configuration.md#the-lake). */
@ConfigMapping(prefix = "lake")
public interface LakeSettings {

    /** The default of {@code S3_MULTIPART_COPY_PART_SIZE}: 512 MiB. */
    long DEFAULT_MULTIPART_COPY_PART_SIZE = 512L << 20;

    /** {@code LAKE_INGEST_BUCKET}: the bucket extract batches land in, as CSV. */
    String ingestBucket();

    /** {@code LAKE_PROCESSED_BUCKET}: the bucket transform batches land in, as Parquet. */
    String processedBucket();

    /**
     * {@code ETL_MAX_MANIFEST_SIZE}: the largest batch manifest (bytes) a stage reads; a
     * larger one is quarantined unread.
     */
    @WithDefault("4194304")
    long maxManifestSize();

    S3 s3();

    interface S3 {

        /** {@code S3_ENDPOINT}: an S3-compatible endpoint; empty means AWS. Path-style access when set. */
        Optional<String> endpoint();

        /** {@code AWS_REGION}: empty means the AWS SDK's default region chain. */
        Optional<String> region();

        /** {@code AWS_ACCESS_KEY_ID}: empty means the AWS SDK's default credentials chain. */
        Optional<String> accessKeyId();

        /** {@code AWS_SECRET_ACCESS_KEY}. */
        Optional<String> secretAccessKey();

        /**
         * {@code AWS_REQUEST_CHECKSUM_CALCULATION}: {@code WHEN_REQUIRED} for S3-compatible
         * servers (s3proxy, MinIO, Ceph) that reject the SDK's default checksum headers.
         */
        @WithDefault("WHEN_SUPPORTED")
        RequestChecksumCalculation requestChecksumCalculation();

        /**
         * {@code S3_READ_TIMEOUT}: how long a request to S3 may wait for the next bytes of its
         * answer; one that waits longer fails, as a transient failure: the stage tries again
         * after its backoff, and nothing is quarantined for it.
         */
        @WithDefault("30s")
        Duration readTimeout();

        /**
         * {@code S3_MULTIPART_COPY_THRESHOLD}: the largest object (bytes) moved with one
         * {@code CopyObject} (archiving a batch, quarantine, replay); a larger one is copied in
         * parts ({@code UploadPartCopy}). S3 copies at most 5 GiB in one request, the default.
         */
        @WithDefault("5368709120")
        long multipartCopyThreshold();

        /**
         * {@code S3_MULTIPART_COPY_PART_SIZE}: the bytes each part of a multipart copy copies
         * (5 MiB to 5 GiB); more when the object needs more than S3's 10,000 parts.
         */
        @WithDefault("536870912")
        long multipartCopyPartSize();
    }
}
