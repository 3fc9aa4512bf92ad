package io.totesys.pipeline.lake;

import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;

/**
 * The size and SHA-256 of an object about to be written, as a manifest records them. The
 * object is a marshalled message body (a stream cache, spooled to disk when large), read
 * once for its digest and rewound for the upload.
 */
public record ObjectDescription(long bytes, String sha256) {

    /**
     * Describes the message body and sets the headers the aws2-s3 producer writes it with:
     * key, length and content type.
     */
    public static ObjectDescription describe(Message message, String key, String contentType) throws IOException {
        StreamCache body = message.getBody(StreamCache.class);
        MessageDigest sha256 = newSha256();
        try (OutputStream digest = new DigestOutputStream(OutputStream.nullOutputStream(), sha256)) {
            body.writeTo(digest);
        }
        body.reset();
        long bytes = body.length();
        message.setBody(body);
        message.setHeader(AWS2S3Constants.KEY, key);
        message.setHeader(AWS2S3Constants.CONTENT_LENGTH, bytes);
        message.setHeader(AWS2S3Constants.CONTENT_TYPE, contentType);
        return new ObjectDescription(bytes, HexFormat.of().formatHex(sha256.digest()));
    }

    /** The SHA-256 of an object's content, in lower-case hex, as manifests record it. */
    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(newSha256().digest(content));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
