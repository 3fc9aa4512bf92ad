package io.totesys.pipeline.source;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * A set of ToteSys transactions in PostgreSQL's {@code pg_snapshot} form,
 * {@code xmin:xmax:xip,...} with 64-bit transaction ids: every transaction below
 * {@code xmin} is in the set, none at or above {@code xmax}, and of those between, every
 * one not listed. {@code pg_visible_in_snapshot} asks the same question in SQL.
 * <p>
 * It is what {@code pg_current_snapshot()} returns: the transactions whose writes a batch
 * sees. (What the lake holds is a {@link ReadHorizon}.)
 */
public final class TransactionSnapshot {

    /** Transaction ids in a row's {@code xmin} are 32 bits: the low half of the 64-bit id. */
    public static final long XID_SPACE = 1L << 32;

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

    /** The transactions between xmin and xmax that are listed (out of the set), ascending. */
    long[] listed() {
        return listed.clone();
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
     * latest id below {@code xmax} with those low 32 bits (never {@code xmax} itself, which no
     * visible row was written by).
     */
    long widen(long xid32) {
        long lastVisible = xmax - 1;
        return lastVisible - Math.floorMod((lastVisible % XID_SPACE) - xid32, XID_SPACE);
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
