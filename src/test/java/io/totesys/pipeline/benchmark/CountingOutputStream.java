package io.totesys.pipeline.benchmark;

import java.io.OutputStream;

/** Discards what it is given, and counts the bytes. */
final class CountingOutputStream extends OutputStream {

    private long bytes;

    @Override
    public void write(int value) {
        bytes++;
    }

    @Override
    public void write(byte[] buffer, int offset, int length) {
        bytes += length;
    }

    long bytes() {
        return bytes;
    }
}
