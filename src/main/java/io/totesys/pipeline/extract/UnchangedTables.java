package io.totesys.pipeline.extract;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.source.ChangeWindow;
import io.totesys.pipeline.source.StatisticsCounters;

/**
 * Which tables a poll need not read: those PostgreSQL's statistics counters, readable by any
 * role, say nobody wrote since this service last read them (docs/architecture.md#what-a-poll-costs).
 * Reading a table whole to find nothing is what an unchanged ToteSys cost each poll.
 * <p>
 * A counter moves only once the writer's session reports it, after the commit is visible:
 * at once after a quiet spell, a second or ten later within a burst, at the end of a
 * procedure that commits as it goes. So a skipped table keeps its read horizon (it is not
 * read, not moved on): whatever it missed is read, since that horizon, by the poll that
 * reads it next, and nothing is lost, only delayed. To keep that delay short:
 * <ul>
 * <li>a table is read when its own counters differ from those of its last read;</li>
 * <li>after any of ToteSys's counters moved (any table of the database, the database's
 * reset, a restart of the server), every table is read until it has been read
 * {@link #SETTLING} after that: the session whose report moved them may have committed more
 * within the second before, still unreported, to any table;</li>
 * <li>every {@code ETL_FULL_SCAN_INTERVAL} a poll reads every table, whatever the counters
 * say (a report that never comes: a superuser session with {@code track_counts} off, a lost
 * statistics message on PostgreSQL 13 and 14); {@code 0} reads every table every poll.</li>
 * </ul>
 * Without trusted counters ({@code track_counts} off, or set for a role or the database)
 * every table is read. The state is this process's: after a restart the first poll reads
 * every table.
 */
@ApplicationScoped
public class UnchangedTables {

    /**
     * How long after ToteSys's counters last moved every table is still read: a session
     * reports at most once a second (PostgreSQL 15; every half second before), so what it
     * committed before its report, unreported, was committed by then.
     */
    static final Duration SETTLING = Duration.ofSeconds(2);

    private final Duration fullScanInterval;
    private final Clock clock;
    private final Map<SourceTable, Reading> lastRead = new ConcurrentHashMap<>();
    private volatile StatisticsCounters lastSeen;
    private volatile Instant movedAt = Instant.MIN;
    private volatile Instant lastFullRead = Instant.MIN;

    /** A table's counters when a published batch read it, and when. */
    private record Reading(StatisticsCounters.Table counters, Instant at) {
    }

    @Inject
    UnchangedTables(ExtractSettings settings, Clock clock) {
        this(settings.fullScanInterval(), clock);
    }

    UnchangedTables(Duration fullScanInterval, Clock clock) {
        this.fullScanInterval = fullScanInterval;
        this.clock = clock;
    }

    /**
     * The tables of a poll's windows it need not read, given the counters read before its
     * snapshot: none when a full read is due, the counters cannot be trusted or moved lately.
     * Only a table read since its read horizon is ever skipped.
     */
    Set<SourceTable> of(StatisticsCounters counters, Map<SourceTable, ChangeWindow> windows) {
        Instant now = clock.instant();
        if (!counters.equals(lastSeen)) {
            lastSeen = counters;
            movedAt = now;
        }
        Set<SourceTable> unchanged = EnumSet.noneOf(SourceTable.class);
        if (fullScanInterval.isZero() || !counters.trusted()
                || !now.isBefore(lastFullRead.plus(fullScanInterval))) {
            return unchanged;
        }
        windows.forEach((table, window) -> {
            Reading reading = lastRead.get(table);
            Optional<StatisticsCounters.Table> current = counters.of(table);
            if (window.kind() == ChangeWindow.Kind.SINCE_HORIZON && reading != null && current.isPresent()
                    && current.get().equals(reading.counters())
                    && !reading.at().isBefore(movedAt.plus(SETTLING))) {
                unchanged.add(table);
            }
        });
        return unchanged;
    }

    /**
     * Remembers what a published batch read: the counters, read before its snapshot, of each
     * table it read, when ({@code at}, once its snapshot was taken), and whether it read every table.
     */
    void read(StatisticsCounters counters, Instant at, Collection<SourceTable> tables, boolean everyTable) {
        for (SourceTable table : tables) {
            counters.of(table).ifPresentOrElse(value -> lastRead.put(table, new Reading(value, at)),
                    () -> lastRead.remove(table));
        }
        if (everyTable) {
            lastFullRead = at;
        }
    }
}
