package io.totesys.pipeline.lake;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The content of a lake object as it streams, checked against its manifest entry: it
 * counts and digests the bytes as they pass and, at the end of the stream, fails with an
 * {@link InvalidLakeObjectException} when the size or the SHA-256 is not what the entry
 * says. An object that runs past its size fails as soon as it does, so a replaced object is
 * never read further than its entry allows. Nothing is held but a digest and a count.
 */
final class VerifiedContent extends FilterInputStream {

    private final BatchManifest.Entry entry;
    private final MessageDigest sha256 = ObjectDescription.newSha256();
    private long bytes;
    private boolean verified;

    VerifiedContent(InputStream content, BatchManifest.Entry entry) {
        super(content);
        this.entry = entry;
    }

    @Override
    public int read() throws IOException {
        int next = super.read();
        if (next < 0) {
            verify();
        } else {
            counted(1);
            sha256.update((byte) next);
        }
        return next;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int read = super.read(buffer, offset, length);
        if (read < 0) {
            verify();
        } else {
            counted(read);
            sha256.update(buffer, offset, read);
        }
        return read;
    }

    @Override
    public long skip(long count) throws IOException {
        byte[] skipped = new byte[(int) Math.min(count, 8192)];
        int read = read(skipped, 0, skipped.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int limit) {
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("verified lake content cannot be reset");
    }

    private void counted(int read) {
        bytes += read;
        if (bytes > entry.bytes()) {
            throw new InvalidLakeObjectException(entry.key(),
                    "it is more than " + entry.bytes() + " bytes, the size its manifest says", null);
        }
    }

    private void verify() {
        if (verified) {
            return;
        }
        if (bytes != entry.bytes()) {
            throw new InvalidLakeObjectException(entry.key(),
                    "it is " + bytes + " bytes, its manifest says " + entry.bytes(), null);
        }
        String digest = HexFormat.of().formatHex(sha256.digest());
        if (!digest.equals(entry.sha256())) {
            throw new InvalidLakeObjectException(entry.key(),
                    "its SHA-256 is " + digest + ", its manifest says " + entry.sha256(), null);
        }
        verified = true;
    }
}
