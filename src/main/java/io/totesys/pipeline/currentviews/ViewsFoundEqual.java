package io.totesys.pipeline.currentviews;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.totesys.pipeline.extract.ExtractSettings;
import io.totesys.pipeline.source.StatisticsCounters;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * Which current views a reconciliation need not compare (issue 26): those it found to hold
 * what ToteSys says, every key of them settled in the lake, and that neither server changed
 * since, as their statistics say.
 * <p>
 * ToteSys's side: the counters and files of the view's ToteSys tables (its own and the one it
 * joins), read before the run's snapshot, are those of the run that found it equal, and the
 * lake comparison did not read those tables either ({@code TablesFoundEqual}). The warehouse's
 * side: what the view reads ({@link ViewInputs}), read before the comparison's snapshot, is as
 * it was: a load, a hand edit, a {@code TRUNCATE} or a view made again moves it once the
 * writer's session reports it, so a late report only delays the comparison to the next run.
 * <p>
 * Whatever they say, a view is compared once it has gone uncompared for
 * {@code ETL_FULL_SCAN_INTERVAL}; {@code 0} compares every view every run. The memory is this
 * process's: after a restart, or on a new leader, the first run compares every view.
 */
@ApplicationScoped
public class ViewsFoundEqual {

    /** What both servers' statistics said of a view when it was compared. */
    record Sides(List<StatisticsCounters.Table> toteSys, String toteSysStatisticsSince, String warehouse) {
    }

    private record Found(Sides sides, Instant comparedAt) {
    }

    private final Duration fullScanInterval;
    private final Clock clock;
    private final Map<WarehouseTable, Found> found = new ConcurrentHashMap<>();

    @Inject
    ViewsFoundEqual(ExtractSettings settings, Clock clock) {
        this(settings.fullScanInterval(), clock);
    }

    ViewsFoundEqual(Duration fullScanInterval, Clock clock) {
        this.fullScanInterval = fullScanInterval;
        this.clock = clock;
    }

    /** Both sides of a view as they are now; empty when either server's counters are missing or not to be trusted. */
    static Optional<Sides> sides(CurrentView view, StatisticsCounters toteSys, ViewInputs warehouse) {
        List<Optional<StatisticsCounters.Table>> tables = view.toteSysTables().stream().map(toteSys::of).toList();
        Optional<String> inputs = warehouse.of(view);
        if (inputs.isEmpty() || tables.stream().anyMatch(Optional::isEmpty)) {
            return Optional.empty();
        }
        return Optional.of(new Sides(tables.stream().map(Optional::orElseThrow).toList(),
                toteSys.database().statisticsReset() + " " + toteSys.database().serverStart(), inputs.get()));
    }

    /** Whether a view need not be compared: found equal, less than the interval ago, neither side changed since. */
    boolean unchanged(WarehouseTable view, Optional<Sides> now) {
        Found last = found.get(view);
        return !fullScanInterval.isZero() && last != null && now.isPresent() && last.sides().equals(now.get())
                && clock.instant().isBefore(last.comparedAt().plus(fullScanInterval));
    }

    /**
     * Remembers a view found to hold what ToteSys says, every key settled, by a run that
     * started at {@code comparedAt}; a view found otherwise, or without counters, is forgotten.
     */
    void compared(WarehouseTable view, Optional<Sides> then, boolean equal, Instant comparedAt) {
        if (equal && then.isPresent()) {
            found.put(view, new Found(then.get(), comparedAt));
        } else {
            found.remove(view);
        }
    }

    /** Forgets every view: a run that could not compare them leaves the next to compare all. */
    void forgetAll() {
        found.clear();
    }
}
