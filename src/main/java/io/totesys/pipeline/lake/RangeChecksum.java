package io.totesys.pipeline.lake;

import java.math.BigInteger;

/**
 * What one side of a reconciliation holds of a table's key range of {@link #KEYS} keys, in a
 * few figures that do not depend on the rows' order: how many rows, the sum of their 64-bit
 * checksums (each a hash of the row's lake text, so that a row changed, gone or added changes
 * the sum but by a chance of about one in 2^64), and the sum of {@code hashint4} of their
 * keys. Two sides whose figures agree hold the same rows; where they differ, reconciliation
 * reads the range's rows one by one.
 *
 * @param range the key range's number: its keys shifted right by {@link #BITS}
 * @param rows how many rows the side holds in the range
 * @param checksumSum the sum of the rows' checksums
 * @param keyHashSum the sum of {@code hashint4} of the rows' keys
 */
public record RangeChecksum(long range, long rows, BigInteger checksumSum, long keyHashSum) {

    /** The bits of a key below its range's number: ranges of 1,024 keys. */
    public static final int BITS = 10;

    /** How many keys a range takes. */
    public static final int KEYS = 1 << BITS;

    /** The range that holds a key (negative keys included: an arithmetic shift, as PostgreSQL's {@code >>}). */
    public static long rangeOf(int key) {
        return key >> BITS;
    }

    /** The first key of a range. */
    public static long firstKey(long range) {
        return range << BITS;
    }
}
