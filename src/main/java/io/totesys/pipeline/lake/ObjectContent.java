package io.totesys.pipeline.lake;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import software.amazon.awssdk.core.exception.SdkException;

/**
 * An object's content as S3 streams it, whose failures on the way (an I/O error, an SDK
 * error) are {@link LakeReadException}s, so that whoever reads it tells a transient failure
 * from content that is wrong.
 */
final class ObjectContent extends FilterInputStream {

    private final String location;

    ObjectContent(InputStream content, String location) {
        super(content);
        this.location = location;
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (IOException | SdkException e) {
            throw failed(e);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return super.read(buffer, offset, length);
        } catch (IOException | SdkException e) {
            throw failed(e);
        }
    }

    @Override
    public long skip(long count) throws IOException {
        try {
            return super.skip(count);
        } catch (IOException | SdkException e) {
            throw failed(e);
        }
    }

    private LakeReadException failed(Exception cause) {
        return new LakeReadException("reading " + location + " failed mid-stream: " + cause.getMessage(), cause);
    }
}
