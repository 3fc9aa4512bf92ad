package io.totesys.pipeline.lake;

import java.io.InputStream;
import java.util.Comparator;
import java.util.List;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The objects of one lake bucket, for the bookkeeping that routes do not express: list,
 * read, move and remove objects. Objects are removed one at a time: S3-compatible servers do
 * not all support multi-object delete. An object larger than one {@code CopyObject} takes
 * (over 5 GiB, or {@code S3_MULTIPART_COPY_THRESHOLD}) moves as a multipart copy.
 */
public final class LakeObjects {

    private final S3Client s3;
    private final String bucket;
    private final ObjectCopy copy;

    /** The objects of a bucket, moved in one copy up to S3's limit (5 GiB), in parts above it. */
    public LakeObjects(S3Client s3, String bucket) {
        this(s3, bucket, ObjectCopy.MAX_SINGLE_COPY, LakeSettings.DEFAULT_MULTIPART_COPY_PART_SIZE);
    }

    /**
     * The objects of a bucket, moved in one copy up to {@code multipartCopyThreshold} bytes and
     * in parts of {@code multipartCopyPartSize} bytes above it.
     */
    public LakeObjects(S3Client s3, String bucket, long multipartCopyThreshold, long multipartCopyPartSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.copy = new ObjectCopy(s3, bucket, multipartCopyThreshold, multipartCopyPartSize);
    }

    public String bucket() {
        return bucket;
    }

    /**
     * Why the multipart copy settings cannot work ({@code S3_MULTIPART_COPY_THRESHOLD},
     * {@code S3_MULTIPART_COPY_PART_SIZE}), in one line that names the setting, or {@code null}.
     */
    public static String multipartCopyProblem(long threshold, long partSize) {
        return ObjectCopy.settingsProblem(threshold, partSize);
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
            throw new LakeObjectException("looking for s3://" + bucket + "/" + key + " failed", e);
        }
    }

    /**
     * The keys under a prefix, in key order (S3 lists keys in ascending order of their UTF-8
     * bytes), page by page (ListObjectsV2 with its continuation token): a request per 1,000
     * keys. Callers give a prefix as narrow as a batch or a table, never a whole area.
     */
    public List<String> keys(String prefix) {
        try {
            return s3.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix)).contents().stream()
                    .map(S3Object::key)
                    .toList();
        } catch (SdkException e) {
            throw new LakeObjectException("listing s3://" + bucket + "/" + prefix + " failed", e);
        }
    }

    /**
     * The folders right under a prefix ({@code input/} gives {@code input/sales_order/},
     * {@code input/_deletions/}, ...): ListObjectsV2 with the delimiter {@code /}, so that what
     * it costs grows with the folders, not with the objects in them.
     */
    public List<String> folders(String prefix) {
        try {
            return s3.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix).delimiter("/"))
                    .commonPrefixes().stream()
                    .map(CommonPrefix::prefix)
                    .toList();
        } catch (SdkException e) {
            throw new LakeObjectException("listing the folders of s3://" + bucket + "/" + prefix + " failed", e);
        }
    }

    /**
     * The first keys under a prefix, at most {@code maxKeys}, from one request: what it costs
     * does not grow with what the prefix holds.
     */
    public KeyListing firstKeys(String prefix, int maxKeys) {
        try {
            ListObjectsV2Response listing = s3
                    .listObjectsV2(request -> request.bucket(bucket).prefix(prefix).maxKeys(maxKeys));
            List<KeyListing.Listed> objects = listing.contents().stream()
                    .map(object -> new KeyListing.Listed(object.key(), object.eTag()))
                    .sorted(Comparator.comparing(KeyListing.Listed::key))
                    .limit(maxKeys)
                    .toList();
            return new KeyListing(objects, Boolean.TRUE.equals(listing.isTruncated()));
        } catch (SdkException e) {
            throw new LakeObjectException("listing s3://" + bucket + "/" + prefix + " failed", e);
        }
    }

    /**
     * An object's content, streamed; the caller closes it. A failure on the way, once the
     * content streams, is a {@link LakeReadException}.
     *
     * @throws MissingLakeObjectException when there is no such object
     */
    public InputStream read(String key) {
        try {
            return new ObjectContent(s3.getObject(request -> request.bucket(bucket).key(key)),
                    "s3://" + bucket + "/" + key);
        } catch (NoSuchKeyException e) {
            throw new MissingLakeObjectException("s3://" + bucket + "/" + key + " does not exist", e);
        } catch (SdkException e) {
            throw new LakeObjectException("reading s3://" + bucket + "/" + key + " failed", e);
        }
    }

    public void write(String key, byte[] content, String contentType) {
        try {
            s3.putObject(request -> request.bucket(bucket).key(key).contentType(contentType),
                    RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new LakeObjectException("writing s3://" + bucket + "/" + key + " failed", e);
        }
    }

    /**
     * An object to write as its bytes are made ({@link ObjectUpload}); {@code beforeFirstWrite}
     * runs once, just before the first request that writes to the bucket.
     */
    public ObjectUpload upload(String key, String contentType, Runnable beforeFirstWrite) {
        return new ObjectUpload(s3, bucket, key, contentType, beforeFirstWrite);
    }

    /**
     * Moves an object to another key of the same bucket: a copy, then the removal of the
     * original. An object already moved (its source gone, its target there) is not an error,
     * so a move repeated after a crash completes it. Its size is asked of S3 first.
     */
    public void move(String fromKey, String toKey) {
        move(fromKey, toKey, -1);
    }

    /**
     * {@link #move(String, String)} an object whose size a manifest gives ({@code bytes}; -1 when
     * unknown): one that can be copied in one request is, without asking S3 for its size; a
     * larger one is copied in parts ({@link ObjectCopy}).
     */
    public void move(String fromKey, String toKey, long bytes) {
        if (copy(fromKey, toKey, bytes, "moving")) {
            delete(fromKey);
        }
    }

    /**
     * Copies an object to another key of the same bucket, leaving the original where it is:
     * a quarantined data file of an Iceberg table, which its table still lists. An object
     * already gone is not copied.
     */
    public void copy(String fromKey, String toKey) {
        copy(fromKey, toKey, -1, "copying");
    }

    /** Copies an object; says whether it found it, or finds its copy already there. */
    private boolean copy(String fromKey, String toKey, long bytes, String doing) {
        try {
            if (bytes >= 0 && !copy.inParts(bytes)) {
                copy.whole(fromKey, toKey);
            } else {
                HeadObjectResponse source = s3.headObject(request -> request.bucket(bucket).key(fromKey));
                if (copy.inParts(source.contentLength())) {
                    copy.inParts(fromKey, source, toKey);
                } else {
                    copy.whole(fromKey, toKey);
                }
            }
        } catch (S3Exception e) {
            if (!(e instanceof NoSuchKeyException) && e.statusCode() != 404) {
                throw new LakeObjectException(doing + " s3://" + bucket + "/" + fromKey + " to " + toKey + " failed",
                        e);
            }
            if (exists(toKey)) {
                return false;
            }
            throw new LakeObjectException(doing + " s3://" + bucket + "/" + fromKey + " failed: it is gone", e);
        } catch (SdkException e) {
            throw new LakeObjectException(doing + " s3://" + bucket + "/" + fromKey + " to " + toKey + " failed", e);
        }
        return true;
    }

    /** Removes an object; removing one that does not exist is not an error. */
    public void delete(String key) {
        try {
            s3.deleteObject(request -> request.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new LakeObjectException("removing s3://" + bucket + "/" + key + " failed", e);
        }
    }
}
