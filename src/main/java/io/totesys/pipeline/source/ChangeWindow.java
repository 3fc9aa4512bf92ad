package io.totesys.pipeline.source;

import java.time.LocalDateTime;

/**
 * What one extract batch reads of a table, from its snapshot of ToteSys:
 * <ul>
 * <li>{@link Kind#WHOLE_TABLE}: every row (the first run, a backfill);</li>
 * <li>{@link Kind#SINCE_HORIZON}: every row version whose transaction is not in the read
 * horizon of the previous batch ({@link ReadHorizon#after}), whatever its
 * {@code last_updated} says;</li>
 * <li>{@link Kind#SINCE_WATERMARK}: every row with {@code last_updated >= from}, once, for a
 * table last read before the pipeline kept read horizons.</li>
 * </ul>
 *
 * @param kind how the table is read
 * @param from the source time the previous batch read up to, or {@code null} for a whole table
 * @param since the previous read horizon, with {@link Kind#SINCE_HORIZON}
 */
public record ChangeWindow(Kind kind, LocalDateTime from, ReadHorizon since) {

    public enum Kind {
        WHOLE_TABLE, SINCE_HORIZON, SINCE_WATERMARK
    }

    public static ChangeWindow ofWholeTable() {
        return new ChangeWindow(Kind.WHOLE_TABLE, null, null);
    }

    public boolean wholeTable() {
        return kind == Kind.WHOLE_TABLE;
    }
}
