package io.totesys.pipeline.lake;

import java.util.BitSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntConsumer;

/**
 * The keys of one ToteSys table's rows that the lake holds as live: extracted and not
 * deleted since. A bitmap in ranges of 65,536 keys (ids are dense sequence values), about
 * 8 KiB per range, that remembers which ranges changed so that only those are written back.
 */
public final class SourceKeys {

    public static final int RANGE_BITS = 16;
    private static final int RANGE_MASK = (1 << RANGE_BITS) - 1;

    /** One range as stored: its first key and its bits. */
    public record Range(int start, BitSet keys) {

        public int count() {
            return keys.cardinality();
        }
    }

    private final TreeMap<Integer, BitSet> ranges = new TreeMap<>();
    private final Set<Integer> changed = new TreeSet<>();
    private long count;

    /** The keys of the given stored ranges. */
    public static SourceKeys of(Iterable<Range> stored) {
        SourceKeys keys = new SourceKeys();
        for (Range range : stored) {
            keys.ranges.put(range.start(), (BitSet) range.keys().clone());
            keys.count += range.count();
        }
        return keys;
    }

    public static SourceKeys empty() {
        return new SourceKeys();
    }

    /** Adds a key; whether it was new. */
    public boolean add(int key) {
        BitSet range = ranges.computeIfAbsent(rangeStart(key), start -> new BitSet());
        int offset = key & RANGE_MASK;
        if (range.get(offset)) {
            return false;
        }
        range.set(offset);
        changed.add(rangeStart(key));
        count++;
        return true;
    }

    /** Removes a key; whether it was there. */
    public boolean remove(int key) {
        BitSet range = ranges.get(rangeStart(key));
        int offset = key & RANGE_MASK;
        if (range == null || !range.get(offset)) {
            return false;
        }
        range.clear(offset);
        changed.add(rangeStart(key));
        count--;
        return true;
    }

    public boolean contains(int key) {
        BitSet range = ranges.get(rangeStart(key));
        return range != null && range.get(key & RANGE_MASK);
    }

    /** The least and the greatest key, or {@link KeySpan#NONE} when there is none. */
    public KeySpan span() {
        Integer least = null;
        for (Map.Entry<Integer, BitSet> range : ranges.entrySet()) {
            if (!range.getValue().isEmpty()) {
                least = range.getKey() + range.getValue().nextSetBit(0);
                break;
            }
        }
        for (Map.Entry<Integer, BitSet> range : ranges.descendingMap().entrySet()) {
            if (!range.getValue().isEmpty()) {
                return new KeySpan(least, range.getKey() + range.getValue().length() - 1);
            }
        }
        return KeySpan.NONE;
    }

    public long count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Every key, in ascending order. */
    public void forEach(IntConsumer action) {
        ranges.forEach((start, bits) -> bits.stream().forEach(offset -> action.accept(start + offset)));
    }

    /** Every key, in ascending order, as an array. */
    public int[] toArray() {
        int[] array = new int[(int) count];
        int[] index = new int[1];
        forEach(key -> array[index[0]++] = key);
        return array;
    }

    /** The keys here that are not in the other set, in ascending order. */
    public SourceKeys without(SourceKeys other) {
        SourceKeys difference = new SourceKeys();
        ranges.forEach((start, bits) -> {
            BitSet left = (BitSet) bits.clone();
            BitSet right = other.ranges.get(start);
            if (right != null) {
                left.andNot(right);
            }
            if (!left.isEmpty()) {
                difference.ranges.put(start, left);
                difference.count += left.cardinality();
            }
        });
        return difference;
    }

    /** A copy of these keys, which later changes to either leave the other as it is. */
    public SourceKeys copy() {
        SourceKeys copy = new SourceKeys();
        ranges.forEach((start, bits) -> {
            if (!bits.isEmpty()) {
                copy.ranges.put(start, (BitSet) bits.clone());
            }
        });
        copy.count = count;
        return copy;
    }

    /** Whether these are exactly the other set's keys. */
    public boolean sameKeys(SourceKeys other) {
        if (count != other.count) {
            return false;
        }
        for (Map.Entry<Integer, BitSet> range : ranges.entrySet()) {
            BitSet theirs = other.ranges.get(range.getKey());
            if (!range.getValue().equals(theirs == null ? new BitSet() : theirs)) {
                return false;
            }
        }
        return true;
    }

    /** The ranges changed since these keys were loaded, as they are now (empty ones included). */
    public Iterable<Range> changedRanges() {
        return changed.stream().map(start -> new Range(start, ranges.get(start))).toList();
    }

    public boolean hasChanges() {
        return !changed.isEmpty();
    }

    /** The first key of the range that holds a key. */
    static int rangeStart(int key) {
        return key & ~RANGE_MASK;
    }
}
