package io.totesys.pipeline.source;

import java.time.LocalDateTime;

/**
 * The half-open range of {@code last_updated} values one extract batch reads from a
 * table: {@code from <= last_updated < to}. A window without {@code from} takes the whole
 * table up to {@code to}: the first run, or a backfill.
 */
public record ChangeWindow(LocalDateTime from, LocalDateTime to) {

    public static ChangeWindow wholeTableUpTo(LocalDateTime to) {
        return new ChangeWindow(null, to);
    }

    public boolean wholeTable() {
        return from == null;
    }
}
