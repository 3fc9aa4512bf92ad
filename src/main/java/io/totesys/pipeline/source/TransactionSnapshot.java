package io.totesys.pipeline.source;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * A set of ToteSys transactions in PostgreSQL's {@code pg_snapshot} form,
 * {@code xmin:xmax:xip,...} with 64-bit transaction ids: every transaction below
 * {@code xmin} is in the set, none at or above {@code xmax}, and of those between, every
 * one not listed. {@code pg_visible_in_snapshot} asks the same question in SQL.
 * <p>
 * It is both what {@code pg_current_snapshot()} returns (the transactions whose writes a
 * batch sees) and the extractor's <em>read horizon</em>: the transactions whose row
 * versions the lake already holds ({@link #horizonAfter}).
 */
public final class TransactionSnapshot {

    /** Transaction ids in a row's {@code xmin} are 32 bits: the low half of the 64-bit id. */
    static final long XID_SPACE = 1L << 32;

    private final long xmin;
    private final long xmax;
    private final long[] listed;

    TransactionSnapshot(long xmin, long xmax, long[] listed) {
        if (xmin > xmax) {
            throw new IllegalArgumentException("a snapshot's xmin " + xmin + " is above its xmax " + xmax);
        }
        this.xmin = xmin;
        this.xmax = xmax;
        this.listed = LongStream.of(listed).sorted().distinct().toArray();
    }

    /** Parses the text form of a {@code pg_snapshot}, as PostgreSQL writes it. */
    public static TransactionSnapshot parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not a pg_snapshot");
        }
        long[] listed = parts[2].isEmpty() ? new long[0]
                : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).toArray();
        return new TransactionSnapshot(Long.parseLong(parts[0]), Long.parseLong(parts[1]), listed);
    }

    public long xmin() {
        return xmin;
    }

    public long xmax() {
        return xmax;
    }

    /** How many transactions between xmin and xmax are listed (out of the set). */
    public int listedCount() {
        return listed.length;
    }

    /** Whether the transaction is in the set, as {@code pg_visible_in_snapshot} would answer. */
    public boolean isVisible(long xid) {
        return xid < xmin || (xid < xmax && Arrays.binarySearch(listed, xid) < 0);
    }

    /**
     * The 64-bit id of a 32-bit {@code xmin} of a row version visible in this snapshot: the
     * latest id below {@code xmax} with those low 32 bits.
     */
    long widen(long xid32) {
        return xmax - Math.floorMod((xmax % XID_SPACE) - xid32, XID_SPACE);
    }

    /**
     * The read horizon after a batch that read ToteSys at {@code current}: a transaction is
     * in it when its row versions are visible in {@code current} and the lake holds them.
     * <p>
     * Below {@code current.xmin} every transaction is finished and every row version of it
     * was read by this batch or an earlier one. Between {@code current.xmin} and
     * {@code current.xmax} a transaction is in the horizon only when the lake is known to
     * hold its versions: it was in the previous horizon, or this batch read a version of
     * it. Any other id there is listed: an open transaction, but also a subtransaction of
     * one, which {@code pg_current_snapshot()} does not list and would call visible.
     *
     * @param previous the horizon the batch read changes since, or {@code null} when the
     *        batch read whole tables
     * @param read the ids at or above {@code current.xmin} of the row versions the batch read
     *        (with whole tables: of every row version there is)
     */
    public static TransactionSnapshot horizonAfter(TransactionSnapshot current, TransactionSnapshot previous,
            Set<Long> read) {
        long[] unknown = LongStream.range(current.xmin, current.xmax)
                .filter(xid -> !read.contains(xid) && (previous == null || !previous.isVisible(xid)))
                .toArray();
        return new TransactionSnapshot(current.xmin, current.xmax, unknown);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TransactionSnapshot snapshot && snapshot.xmin == xmin && snapshot.xmax == xmax
                && Arrays.equals(snapshot.listed, listed);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(xmin) * 31 + Long.hashCode(xmax);
    }

    /** The {@code pg_snapshot} text form. */
    @Override
    public String toString() {
        return xmin + ":" + xmax + ":"
                + LongStream.of(listed).mapToObj(Long::toString).collect(Collectors.joining(","));
    }
}
