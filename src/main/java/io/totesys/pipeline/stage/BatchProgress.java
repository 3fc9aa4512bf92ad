package io.totesys.pipeline.stage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchId;

/**
 * How far a stage got with one table of a batch, said at INFO every {@code ETL_PROGRESS_INTERVAL}
 * while it works on it: the batch, the table, the rows and bytes so far. A batch that takes
 * long (one table holding a 300 MB value, say) is then never silence that looks like a hang;
 * a table done sooner says nothing. One table's progress belongs to the thread that works on it;
 * the {@link ProgressBoard} reads how far it got for the status page. The stream it counts
 * ends it as it closes.
 */
public final class BatchProgress implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchProgress.class);
    private static final double MEBIBYTE = 1024.0 * 1024.0;

    private final PipelineStage stage;
    private final BatchId batch;
    private final String table;
    private final long intervalNanos;
    private final long expectedBytes;
    private final long started = System.nanoTime();
    private final Instant startedAt = Instant.now();
    private final Consumer<BatchProgress> onEnd;
    private long due;
    private volatile long rows;
    private volatile LongSupplier rowsDone = () -> rows;
    private volatile long bytes;

    /**
     * @param expectedBytes how many bytes the table's work reads in all, for "of N MiB", or -1
     *        when that is not known beforehand (an extract reads as long as ToteSys has rows)
     */
    public BatchProgress(PipelineStage stage, BatchId batch, String table, Duration interval, long expectedBytes) {
        this(stage, batch, table, interval, expectedBytes, progress -> {
        });
    }

    /** As above, told to {@code onEnd} when the table's work ends ({@link ProgressBoard}). */
    BatchProgress(PipelineStage stage, BatchId batch, String table, Duration interval, long expectedBytes,
            Consumer<BatchProgress> onEnd) {
        this.onEnd = onEnd;
        this.stage = stage;
        this.batch = batch;
        this.table = table;
        this.intervalNanos = interval.toNanos();
        this.expectedBytes = expectedBytes;
        this.due = started + intervalNanos;
    }

    /** Rows done so far, in all. */
    public void rows(long done) {
        rows = done;
        check();
    }

    /** Where the rows done so far are counted, when not told to {@link #rows}. */
    public void rowsFrom(LongSupplier done) {
        rowsDone = done;
    }

    PipelineStage stage() {
        return stage;
    }

    BatchId batch() {
        return batch;
    }

    String table() {
        return table;
    }

    long rowsSoFar() {
        return rowsDone.getAsLong();
    }

    long bytesSoFar() {
        return bytes;
    }

    Instant startedAt() {
        return startedAt;
    }

    long startedNanos() {
        return started;
    }

    /** The table's work ended, done or not. */
    @Override
    public void close() {
        onEnd.accept(this);
    }

    /** More bytes done. */
    public void bytes(long more) {
        bytes += more;
        check();
    }

    /** The stream, counting the bytes read from it as done. */
    public InputStream counting(InputStream in) {
        return new FilterInputStream(in) {

            @Override
            public int read() throws IOException {
                int read = super.read();
                if (read >= 0) {
                    bytes(1);
                }
                return read;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int read = super.read(buffer, offset, length);
                if (read > 0) {
                    bytes(read);
                }
                return read;
            }

            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    BatchProgress.this.close();
                }
            }
        };
    }

    private void check() {
        long now = System.nanoTime();
        if (now - due >= 0) {
            due = now + intervalNanos;
            LOG.infof("%s batch %s still on %s: %d rows, %s so far (%d s)", capitalised(stage.stageName()), batch,
                    table, rowsDone.getAsLong(),
                    expectedBytes < 0 ? mebibytes(bytes) : mebibytes(bytes) + " of " + mebibytes(
                            expectedBytes),
                    (now - started) / 1_000_000_000L);
        }
    }

    private static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / MEBIBYTE);
    }

    private static String capitalised(String name) {
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
