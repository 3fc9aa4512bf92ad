package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.source.ChangeWindow;
import io.totesys.pipeline.source.ReadHorizon;
import io.totesys.pipeline.source.StatisticsCounters;
import io.totesys.pipeline.testing.SettableClock;

/**
 * Which tables a poll skips (docs/architecture.md#what-a-poll-costs): those whose counters are
 * those of their last read, once that read came 2 s after ToteSys's counters last moved, and
 * never when a full read is due or the counters cannot be trusted.
 */
class UnchangedTablesTest {

    private static final Set<SourceTable> ALL = Set.of(SourceTable.values());
    private static final ReadHorizon HORIZON = ReadHorizon.parse("100:100:+");

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-06T12:00:00Z"));
    private final UnchangedTables unchanged = new UnchangedTables(Duration.ofMinutes(5), clock);
    private final Map<SourceTable, ChangeWindow> windows = sinceHorizon();

    @Test
    void aQuietToteSysIsSkippedOnceEveryTableWasReadTwoSecondsAfterTheCountersLastMoved() {
        StatisticsCounters quiet = counters(10, 0);
        assertThat(poll(quiet)).as("the first poll: nothing known yet").isEmpty();
        clock.move(Duration.ofSeconds(1));
        assertThat(poll(quiet)).as("read 1 s after the counters were first seen").isEmpty();
        clock.move(Duration.ofSeconds(1));
        assertThat(poll(quiet)).as("read 2 s after").isEmpty();
        clock.move(Duration.ofSeconds(1));

        assertThat(poll(quiet)).containsExactlyInAnyOrderElementsOf(ALL);
    }

    @Test
    void oneTableWrittenMakesEveryTableReadUntilTheCountersHaveSettled() {
        settle(counters(10, 0));
        StatisticsCounters paymentWritten = written(counters(10, 0), SourceTable.PAYMENT);

        assertThat(poll(paymentWritten)).as("a late report may hide writes to any table").isEmpty();
        clock.move(Duration.ofSeconds(1));
        assertThat(poll(paymentWritten)).isEmpty();
        clock.move(Duration.ofSeconds(1));
        assertThat(poll(paymentWritten)).isEmpty();
        clock.move(Duration.ofSeconds(1));
        assertThat(poll(paymentWritten)).containsExactlyInAnyOrderElementsOf(ALL);
    }

    @Test
    void aWriteOutsideTheCatalogueOrAResetOfTheStatisticsMakesEveryTableRead() {
        settle(counters(10, 0));

        assertThat(unchanged.of(counters(10, 1), windows)).as("the database's counters moved").isEmpty();
        settle(counters(10, 1));
        assertThat(unchanged.of(counters(10, 1), windows)).hasSize(ALL.size());
        StatisticsCounters reset = new StatisticsCounters(true, counters(10, 1).tables(),
                new StatisticsCounters.Database(0, 0, 1, "2026-12-06 12:05:00+00", "2026-12-06 11:00:00+00"));
        assertThat(unchanged.of(reset, windows)).as("statistics reset").isEmpty();
    }

    @Test
    void everyTableIsReadOnceTheFullScanIntervalHasPassed() {
        settle(counters(10, 0));
        clock.move(Duration.ofMinutes(5));

        assertThat(poll(counters(10, 0))).as("a full read is due").isEmpty();
        clock.move(Duration.ofSeconds(1));
        assertThat(poll(counters(10, 0))).hasSize(ALL.size());
    }

    @Test
    void nothingIsSkippedWithoutTrustedCountersWithAZeroIntervalOrOutsideAReadHorizon() {
        settle(counters(10, 0));
        StatisticsCounters untrusted = new StatisticsCounters(false, counters(10, 0).tables(),
                counters(10, 0).database());
        assertThat(unchanged.of(untrusted, windows)).isEmpty();
        settle(counters(10, 0));

        Map<SourceTable, ChangeWindow> whole = new EnumMap<>(windows);
        whole.put(SourceTable.DESIGN, ChangeWindow.ofWholeTable());
        whole.put(SourceTable.STAFF, new ChangeWindow(ChangeWindow.Kind.SINCE_WATERMARK, LocalDateTime.now(), null));
        assertThat(unchanged.of(counters(10, 0), whole)).hasSize(ALL.size() - 2)
                .doesNotContain(SourceTable.DESIGN, SourceTable.STAFF);

        UnchangedTables never = new UnchangedTables(Duration.ZERO, clock);
        for (int poll = 0; poll < 4; poll++) {
            assertThat(never.of(counters(10, 0), windows)).isEmpty();
            never.read(counters(10, 0), clock.instant(), ALL, true);
            clock.move(Duration.ofSeconds(1));
        }
    }

    /** Polls as the extract does: skips what it may, then reads and publishes the rest. */
    private Set<SourceTable> poll(StatisticsCounters counters) {
        Set<SourceTable> skipped = unchanged.of(counters, windows);
        List<SourceTable> read = Arrays.stream(SourceTable.values()).filter(table -> !skipped.contains(table))
                .toList();
        unchanged.read(counters, clock.instant(), read, skipped.isEmpty());
        return skipped;
    }

    private void settle(StatisticsCounters counters) {
        for (int poll = 0; poll < 3; poll++) {
            poll(counters);
            clock.move(Duration.ofSeconds(1));
        }
        assertThat(poll(counters)).hasSize(ALL.size());
        clock.move(Duration.ofSeconds(1));
    }

    private static Map<SourceTable, ChangeWindow> sinceHorizon() {
        Map<SourceTable, ChangeWindow> windows = new EnumMap<>(SourceTable.class);
        for (SourceTable table : SourceTable.values()) {
            windows.put(table, new ChangeWindow(ChangeWindow.Kind.SINCE_HORIZON, LocalDateTime.now(), HORIZON));
        }
        return windows;
    }

    private static StatisticsCounters written(StatisticsCounters counters, SourceTable table) {
        Map<SourceTable, StatisticsCounters.Table> tables = new EnumMap<>(counters.tables());
        StatisticsCounters.Table before = tables.get(table);
        tables.put(table,
                new StatisticsCounters.Table(before.inserted() + 1, before.updated(), before.deleted(), before.file()));
        return new StatisticsCounters(true, tables, counters.database());
    }

    private static StatisticsCounters counters(long inserted, long databaseDeleted) {
        Map<SourceTable, StatisticsCounters.Table> tables = new EnumMap<>(SourceTable.class);
        for (SourceTable table : SourceTable.values()) {
            tables.put(table, new StatisticsCounters.Table(inserted, 0, 0, 16_384));
        }
        return new StatisticsCounters(true, tables,
                new StatisticsCounters.Database(inserted * 11, 0, databaseDeleted, null, "2026-12-06 11:00:00+00"));
    }
}
