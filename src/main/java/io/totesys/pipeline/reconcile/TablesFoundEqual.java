package io.totesys.pipeline.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.extract.ExtractSettings;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.source.StatisticsCounters;

/**
 * Which tables a reconciliation need not read (issue 26): those it found equal to the lake,
 * with nothing left to the next batch, and that neither side changed since.
 * <p>
 * ToteSys's side: the table's statistics counters, read before the snapshot that found it
 * equal, have not moved, and the server's statistics were neither reset nor restarted. Any
 * write committed after that snapshot moves them once its session reports it (a counter
 * counts a transaction once it ended, committed or not); a write committed before it was in
 * that snapshot and compared. A late report only delays the comparison to the next run, as
 * the extract's skipped tables are delayed ({@code UnchangedTables}).
 * <p>
 * The lake's side: the keys the lake holds of the table are exactly those it held, and the
 * version of the mirror's checksums of it ({@code pipeline.source_row_checksum_version}) is
 * as it was; a row's checksum covers the same columns.
 * <p>
 * Whatever they say, a table is read once it has gone unread for {@code ETL_FULL_SCAN_INTERVAL}
 * since it was last compared (a report that never comes: a superuser session with
 * {@code track_counts} off; an edit of the pipeline's state by hand); {@code 0} reads every
 * table every time. Without trusted counters every table is read. The memory is this
 * process's: after a restart, or on a new leader, the first reconciliation reads every table.
 */
@ApplicationScoped
public class TablesFoundEqual {

    /** What both sides of a table looked like when it was compared. */
    record Sides(StatisticsCounters.Table counters, String statisticsSince, long mirrorVersion,
            String checksumExpression, SourceKeys held) {

        boolean same(Sides other) {
            return counters.equals(other.counters) && statisticsSince.equals(other.statisticsSince)
                    && mirrorVersion == other.mirrorVersion && checksumExpression.equals(other.checksumExpression)
                    && held.sameKeys(other.held);
        }
    }

    private record Found(Sides sides, Instant comparedAt) {
    }

    private final Duration fullScanInterval;
    private final Clock clock;
    private final Map<SourceTable, Found> found = new ConcurrentHashMap<>();

    @Inject
    TablesFoundEqual(ExtractSettings settings, Clock clock) {
        this(settings.fullScanInterval(), clock);
    }

    TablesFoundEqual(Duration fullScanInterval, Clock clock) {
        this.fullScanInterval = fullScanInterval;
        this.clock = clock;
    }

    /**
     * Both sides of a table as they are now: its counters (empty when the server keeps none or
     * they cannot be trusted), the mirror's version of it, what its checksum covers and the
     * keys the lake holds.
     */
    static Optional<Sides> sides(StatisticsCounters counters, SourceTable table, long mirrorVersion,
            String checksumExpression, SourceKeys held) {
        return counters.of(table).map(value -> new Sides(value,
                counters.database().statisticsReset() + " " + counters.database().serverStart(), mirrorVersion,
                checksumExpression, held));
    }

    /** Whether a table need not be read: found equal, less than the interval ago, neither side changed since. */
    boolean unchanged(SourceTable table, Optional<Sides> now) {
        Found last = found.get(table);
        return !fullScanInterval.isZero() && last != null && now.isPresent() && last.sides().same(now.get())
                && clock.instant().isBefore(last.comparedAt().plus(fullScanInterval));
    }

    /**
     * Remembers a table found equal, with nothing left to the next batch, by a run that
     * started at {@code comparedAt}; a table found otherwise, or without counters, is forgotten.
     */
    void compared(SourceTable table, Optional<Sides> then, boolean equal, Instant comparedAt) {
        if (equal && then.isPresent()) {
            Sides sides = then.get();
            found.put(table, new Found(new Sides(sides.counters(), sides.statisticsSince(), sides.mirrorVersion(),
                    sides.checksumExpression(), sides.held().copy()), comparedAt));
        } else {
            found.remove(table);
        }
    }
}
