package io.totesys.pipeline.source;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The extractor's read horizon: the ToteSys transactions whose row versions the lake holds.
 * Every transaction below {@code xmin} is in it; of those from {@code xmin} up to
 * {@code xmax}, only the ones it lists, which are the transactions whose row versions a batch
 * read. Everything else, from {@code xmin} up, is read by the next batch that can see it: an
 * open transaction, a subtransaction of one (which {@code pg_current_snapshot()} does not
 * list), and transactions of other databases on the same server, which never wrote a
 * ToteSys row and so are never read.
 * <p>
 * Keeping what was read, rather than what was not, bounds the horizon by what ToteSys
 * wrote: a session left idle in transaction anywhere on the server holds {@code xmin} back
 * while the server commits millions of other transactions, and none of them is listed.
 * <p>
 * Its text form is {@code xmin:xmax:+ids}, the listed ids in ascending order, a run of
 * consecutive ids written {@code first-last}: {@code 731:790:+733,740-742}. Horizons stored
 * before this form are {@code pg_snapshot} texts, {@code xmin:xmax:xip}, which list the
 * transactions <em>not</em> held; {@link #parse} reads both.
 */
public final class ReadHorizon {

    private static final String HELD_MARK = "+";

    private final long xmin;
    private final long xmax;
    /** Held runs from {@code xmin} up, ascending and apart: {@code [starts[i], ends[i])}. */
    private final long[] starts;
    private final long[] ends;

    private ReadHorizon(long xmin, long xmax, long[] starts, long[] ends) {
        if (xmin > xmax) {
            throw new IllegalArgumentException("a read horizon's xmin " + xmin + " is above its xmax " + xmax);
        }
        this.xmin = xmin;
        this.xmax = xmax;
        this.starts = starts;
        this.ends = ends;
    }

    /** Reads a horizon's text form, or a {@code pg_snapshot} text stored before it (see the class). */
    public static ReadHorizon parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not a read horizon");
        }
        long xmin = Long.parseLong(parts[0]);
        long xmax = Long.parseLong(parts[1]);
        Runs runs = new Runs(xmin, xmax);
        if (parts[2].startsWith(HELD_MARK)) {
            String held = parts[2].substring(HELD_MARK.length());
            for (String run : held.isEmpty() ? new String[0] : held.split(",")) {
                int dash = run.indexOf('-');
                long first = Long.parseLong(dash < 0 ? run : run.substring(0, dash));
                long last = dash < 0 ? first : Long.parseLong(run.substring(dash + 1));
                runs.add(first, last + 1);
            }
        } else {
            TransactionSnapshot notHeld = TransactionSnapshot.parse(text);
            long next = xmin;
            for (long listed : notHeld.listed()) {
                runs.add(next, listed);
                next = listed + 1;
            }
            runs.add(next, xmax);
        }
        return runs.toHorizon();
    }

    /**
     * The read horizon after a batch that read ToteSys at {@code current}: a transaction is in
     * it when the lake holds its row versions. Below {@code current.xmin} every transaction
     * has ended and each of its row versions was read by this batch or an earlier one. From
     * there up, a transaction is held only when it was held before or this batch read a row
     * version it wrote and it had ended in {@code current}.
     * <p>
     * A read transaction {@code current} lists as open wrote none of the rows read: they were
     * frozen rows, whose 32-bit {@code xmin} the counter has come round to again, read as if
     * that open transaction had written them. Holding it would hide its own writes from
     * every later batch.
     *
     * @param previous the horizon the batch read changes since, or {@code null} when it read
     *        whole tables
     * @param read the ids of the transactions at or above {@code current.xmin} that wrote the
     *        row versions the batch read, as their 32-bit {@code xmin} tells
     */
    public static ReadHorizon after(TransactionSnapshot current, ReadHorizon previous, Set<Long> read) {
        Runs runs = new Runs(current.xmin(), current.xmax());
        if (previous != null) {
            runs.add(current.xmin(), previous.xmin);
            for (int index = 0; index < previous.starts.length; index++) {
                runs.add(previous.starts[index], previous.ends[index]);
            }
        }
        read.stream().filter(current::isVisible).forEach(xid -> runs.add(xid, xid + 1));
        return runs.toHorizon();
    }

    public long xmin() {
        return xmin;
    }

    public long xmax() {
        return xmax;
    }

    /** Whether the lake holds the row versions of a transaction. */
    public boolean holds(long xid) {
        if (xid < xmin) {
            return true;
        }
        int index = Arrays.binarySearch(starts, xid);
        int run = index >= 0 ? index : -index - 2;
        return run >= 0 && xid < ends[run];
    }

    /** How many transactions from {@code xmin} up the horizon holds. */
    public long heldCount() {
        long count = 0;
        for (int index = 0; index < starts.length; index++) {
            count += ends[index] - starts[index];
        }
        return count;
    }

    /**
     * A SQL condition that is true when the transaction whose 64-bit id {@code transaction}
     * gives is not in this horizon: the row version is new to the lake. Only numbers the
     * horizon holds are written into it.
     */
    String excludes(String transaction) {
        StringJoiner single = new StringJoiner(",", "'{", "}'::bigint[]");
        List<String> ranges = new ArrayList<>();
        for (int index = 0; index < starts.length; index++) {
            if (ends[index] - starts[index] == 1) {
                single.add(Long.toString(starts[index]));
            } else {
                ranges.add(transaction + " BETWEEN " + starts[index] + " AND " + (ends[index] - 1));
            }
        }
        StringBuilder held = new StringBuilder(transaction).append(" = ANY (").append(single).append(")");
        ranges.forEach(range -> held.append(" OR ").append(range));
        return "(" + transaction + " >= " + xmin + " AND NOT (" + held + "))";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReadHorizon horizon && horizon.xmin == xmin && horizon.xmax == xmax
                && Arrays.equals(horizon.starts, starts) && Arrays.equals(horizon.ends, ends);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(xmin) * 31 + Long.hashCode(xmax);
    }

    /** The text form: {@code xmin:xmax:+ids}. */
    @Override
    public String toString() {
        StringJoiner held = new StringJoiner(",", xmin + ":" + xmax + ":" + HELD_MARK, "");
        for (int index = 0; index < starts.length; index++) {
            long last = ends[index] - 1;
            held.add(starts[index] == last ? Long.toString(last) : starts[index] + "-" + last);
        }
        return held.toString();
    }

    /** Held runs being gathered, in any order, clipped to {@code [xmin, xmax)} and merged at the end. */
    private static final class Runs {

        private final long xmin;
        private final long xmax;
        private final List<long[]> runs = new ArrayList<>();

        Runs(long xmin, long xmax) {
            this.xmin = xmin;
            this.xmax = xmax;
        }

        /** Adds {@code [start, end)}. */
        void add(long start, long end) {
            long from = Math.max(start, xmin);
            long to = Math.min(end, xmax);
            if (from < to) {
                runs.add(new long[] {from, to});
            }
        }

        ReadHorizon toHorizon() {
            runs.sort((left, right) -> Long.compare(left[0], right[0]));
            List<long[]> merged = new ArrayList<>();
            for (long[] run : runs) {
                long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
                if (last != null && run[0] <= last[1]) {
                    last[1] = Math.max(last[1], run[1]);
                } else {
                    merged.add(run.clone());
                }
            }
            return new ReadHorizon(xmin, xmax, merged.stream().mapToLong(run -> run[0]).toArray(),
                    merged.stream().mapToLong(run -> run[1]).toArray());
        }
    }
}
