package io.totesys.pipeline.lake;

/**
 * The least and the greatest key of a table's rows, as one side of a comparison holds them
 * (ToteSys, the lake's key ranges, the checksum mirror): {@code 0, 0} when it holds none. Keys
 * are ToteSys's integer primary keys, which a sequence makes positive but an application may
 * write as zero or below.
 */
public record KeySpan(int least, int greatest) {

    /** The span of a side that holds no key. */
    public static final KeySpan NONE = new KeySpan(0, 0);

    /** The span that takes in both. */
    public KeySpan with(KeySpan other) {
        return new KeySpan(Math.min(least, other.least), Math.max(greatest, other.greatest));
    }

    /** The first key of the range of {@link SourceKeys#RANGE_BITS} bits that holds the least key. */
    public long firstRangeStart() {
        return SourceKeys.rangeStart(least);
    }
}
