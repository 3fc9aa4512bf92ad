package io.totesys.pipeline.lake;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * One object written to the lake as its bytes are made, with its size and SHA-256 counted on
 * the way, as a manifest records them: nothing is spooled and read back. An object that fits
 * one part ({@link #PART_SIZE}) is written with one {@code PutObject} when it is finished; a
 * larger one as a multipart upload, each part sent by a thread of its own while the next one
 * fills, so that making the bytes and sending them overlap. A failed or abandoned upload is
 * aborted; a crash leaves an incomplete multipart upload, which is no object (a bucket
 * lifecycle rule, {@code AbortIncompleteMultipartUpload}, clears it).
 * <p>
 * Nothing is sent before the first part is full or the object is finished: {@code beforeFirstWrite}
 * runs then, once, so that the writer can record that it is about to write.
 */
public final class ObjectUpload extends OutputStream {

    /** The size of each part but the last: S3 takes parts of 5 MiB and more. */
    static final int PART_SIZE = 8 << 20;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String contentType;
    private final Runnable beforeFirstWrite;
    private final MessageDigest sha256 = ObjectDescription.newSha256();
    private final List<CompletedPart> parts = new ArrayList<>();
    /** The first buffer's size: it grows to a part's as the object does, so small objects stay small. */
    private static final int FIRST_BUFFER_SIZE = 1 << 16;

    private byte[] buffer = new byte[FIRST_BUFFER_SIZE];
    private byte[] spare;
    private int filled;
    private long bytes;
    private String uploadId;
    private ExecutorService sender;
    private CompletableFuture<CompletedPart> inFlight;
    private boolean done;

    ObjectUpload(S3Client s3, String bucket, String key, String contentType, Runnable beforeFirstWrite) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.contentType = contentType;
        this.beforeFirstWrite = beforeFirstWrite;
    }

    @Override
    public void write(int value) {
        makeRoom();
        buffer[filled++] = (byte) value;
    }

    @Override
    public void write(byte[] content, int offset, int length) {
        while (length > 0) {
            makeRoom();
            int taken = Math.min(length, buffer.length - filled);
            System.arraycopy(content, offset, buffer, filled, taken);
            filled += taken;
            offset += taken;
            length -= taken;
        }
    }

    /** How many bytes were written so far. */
    public long bytes() {
        return bytes + filled;
    }

    /** Writes the object and describes it; the caller writes nothing more. */
    public ObjectDescription finish() {
        try {
            sha256.update(buffer, 0, filled);
            long size = bytes + filled;
            if (uploadId == null) {
                beforeFirstWrite.run();
                byte[] content = buffer;
                int length = filled;
                s3.putObject(request -> request.bucket(bucket).key(key).contentType(contentType)
                        .contentLength((long) length), body(content, length));
            } else {
                sendPart(buffer, filled);
                awaitInFlight();
                s3.completeMultipartUpload(request -> request.bucket(bucket).key(key).uploadId(uploadId)
                        .multipartUpload(upload -> upload.parts(parts)));
            }
            done = true;
            return new ObjectDescription(size, HexFormat.of().formatHex(sha256.digest()));
        } catch (SdkException e) {
            throw new LakeObjectException("writing s3://" + bucket + "/" + key + " failed", e);
        } finally {
            close();
        }
    }

    /** Gives the object up: a multipart upload begun is aborted, and nothing is left in the bucket. */
    public void abort() {
        if (done) {
            return;
        }
        done = true;
        try {
            if (inFlight != null) {
                inFlight.exceptionally(failure -> null).join();
            }
            if (uploadId != null) {
                s3.abortMultipartUpload(request -> request.bucket(bucket).key(key).uploadId(uploadId));
            }
        } catch (SdkException e) {
            // an upload that cannot be aborted now is no object: the bucket's lifecycle rule clears it
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        if (sender != null) {
            sender.shutdown();
            sender = null;
        }
        buffer = null;
        spare = null;
    }

    /** Grows a full buffer up to a part's size; sends a full part. */
    private void makeRoom() {
        if (filled < buffer.length) {
            return;
        }
        if (buffer.length < PART_SIZE) {
            buffer = Arrays.copyOf(buffer, Math.min(PART_SIZE, buffer.length * 2));
        } else {
            sendPart();
        }
    }

    private void sendPart() {
        if (uploadId == null) {
            beforeFirstWrite.run();
            try {
                uploadId = s3.createMultipartUpload(request -> request.bucket(bucket).key(key)
                        .contentType(contentType)).uploadId();
            } catch (SdkException e) {
                throw new LakeObjectException("writing s3://" + bucket + "/" + key + " failed", e);
            }
            sender = Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "lake-upload " + key);
                thread.setDaemon(true);
                return thread;
            });
        }
        sha256.update(buffer, 0, filled);
        bytes += filled;
        byte[] full = buffer;
        int length = filled;
        sendPart(full, length);
        buffer = spare == null ? new byte[PART_SIZE] : spare;
        spare = full;
        filled = 0;
    }

    /** Sends a part once the one before it is sent: at most one part travels while the next fills. */
    private void sendPart(byte[] content, int length) {
        awaitInFlight();
        int number = parts.size() + 1;
        inFlight = CompletableFuture.supplyAsync(() -> {
            String eTag = s3.uploadPart(request -> request.bucket(bucket).key(key).uploadId(uploadId)
                    .partNumber(number).contentLength((long) length), body(content, length)).eTag();
            return CompletedPart.builder().partNumber(number).eTag(eTag).build();
        }, sender);
    }

    private void awaitInFlight() {
        if (inFlight == null) {
            return;
        }
        try {
            parts.add(inFlight.join());
        } catch (CompletionException e) {
            throw new LakeObjectException("writing s3://" + bucket + "/" + key + " failed", e.getCause());
        } finally {
            inFlight = null;
        }
    }

    private RequestBody body(byte[] content, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(content, 0, length), length,
                contentType);
    }
}
