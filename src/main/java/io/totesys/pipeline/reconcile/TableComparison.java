package io.totesys.pipeline.reconcile;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.RangeChecksum;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.mirror.ChecksumMirror;
import io.totesys.pipeline.source.ReadHorizon;
import io.totesys.pipeline.source.SourceSnapshot;

/**
 * One table's comparison of ToteSys with the lake: first by key ranges of 1,024 keys, each
 * side summed up by the database that holds it ({@link RangeChecksum}: ToteSys over its rows,
 * the pipeline's state over the mirror's checksums, the pipeline over the keys the lake holds),
 * then row by row in the ranges whose figures differ, in runs of up to 64 neighbouring ranges.
 * A range whose three figures agree holds the same rows on both sides, none of them missing,
 * extra, changed or left to the next batch, and counts as compared.
 * <p>
 * Row by row, per key: a row the lake does not hold is missing, a key the lake holds that
 * ToteSys lacks is extra, a row whose checksum differs is changed. Rows written by
 * transactions the table's read horizon does not hold yet are left to the next batch
 * (pending), unless the lake holds them as they are: a row frozen by VACUUM whose 32-bit
 * {@code xmin} the server's counter has come round to again, once every 2^32 transactions,
 * looks newer than the horizon without being so, and the next batch reads it again as it is.
 * Keys the lake holds without a checksum in the mirror (a lake from before the mirror) are
 * adopted as ToteSys has them.
 */
final class TableComparison {

    /** The most ranges read row by row in one query: 65,536 keys. */
    private static final int RANGES_PER_READ = 64;

    private final SourceTable table;
    private final SourceSnapshot snapshot;
    private final ChecksumMirror mirror;
    private final ReadHorizon horizon;
    private final SourceKeys held;
    private final TableOutcome outcome;

    TableComparison(SourceTable table, SourceSnapshot snapshot, ChecksumMirror mirror, ReadHorizon horizon,
            SourceKeys held, TableOutcome outcome) {
        this.table = table;
        this.snapshot = snapshot;
        this.mirror = mirror;
        this.horizon = horizon;
        this.held = held;
        this.outcome = outcome;
    }

    void run() {
        Map<Long, RangeChecksum> toteSys = new HashMap<>();
        snapshot.rowChecksums().rangeChecksums(table).forEach(range -> toteSys.put(range.range(), range));
        Map<Long, RangeChecksum> lake = mirror.rangeChecksums(table);
        Map<Long, long[]> heldRanges = new HashMap<>();
        held.forEach(key -> {
            long[] figures = heldRanges.computeIfAbsent(RangeChecksum.rangeOf(key), any -> new long[2]);
            figures[0]++;
            figures[1] += KeyHash.of(key);
        });
        TreeSet<Long> ranges = new TreeSet<>(toteSys.keySet());
        ranges.addAll(lake.keySet());
        ranges.addAll(heldRanges.keySet());
        List<Long> differing = new ArrayList<>();
        for (long range : ranges) {
            RangeChecksum theirs = toteSys.get(range);
            RangeChecksum ours = lake.get(range);
            long[] keys = heldRanges.get(range);
            if (theirs != null && ours != null && keys != null && theirs.rows() == ours.rows()
                    && theirs.rows() == keys[0] && theirs.checksumSum().equals(ours.checksumSum())
                    && theirs.keyHashSum() == keys[1]) {
                outcome.compared += theirs.rows();
            } else {
                differing.add(range);
            }
        }
        for (int index = 0; index < differing.size();) {
            long first = differing.get(index);
            long last = first;
            index++;
            while (index < differing.size() && differing.get(index) == last + 1 && last + 1 - first < RANGES_PER_READ) {
                last = differing.get(index++);
            }
            compareRows((int) RangeChecksum.firstKey(first), RangeChecksum.firstKey(last + 1));
        }
    }

    /** Compares the keys from {@code first} to before {@code after} row by row. */
    private void compareRows(int first, long after) {
        int size = (int) (after - first);
        long[] mirrored = new long[size];
        BitSet inMirror = new BitSet(size);
        BitSet present = new BitSet(size);
        StringBuilder adopted = new StringBuilder();
        mirror.range(table, first, after, (key, checksum) -> {
            mirrored[key - first] = checksum;
            inMirror.set(key - first);
        });
        snapshot.rowChecksums().checksums(table, horizon, first, after, (key, checksum, newer) -> {
            int offset = key - first;
            present.set(offset);
            outcome.compared++;
            outcome.rowsRead++;
            boolean mirroredAsIs = inMirror.get(offset) && mirrored[offset] == checksum;
            if (newer && !(mirroredAsIs && held.contains(key))) {
                outcome.pending(key);
            } else if (!held.contains(key)
                    || inMirror.get(offset) && mirrored[offset] == ChecksumMirror.NOT_EXTRACTED) {
                outcome.missing(key);
            } else if (!inMirror.get(offset)) {
                adopted.append(table.tableName()).append('\t').append(key).append('\t').append(checksum).append('\n');
                outcome.adopted++;
            } else if (!mirroredAsIs) {
                outcome.changed(key);
            }
        });
        for (int offset = 0; offset < size; offset++) {
            if (!present.get(offset) && (inMirror.get(offset) || held.contains(first + offset))) {
                outcome.compared++;
                outcome.extra(first + offset);
            }
        }
        if (adopted.length() > 0) {
            mirror.adopt(table, adopted);
        }
    }
}
