package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.source.StatisticsCounters;
import io.totesys.pipeline.testing.SettableClock;

/**
 * Which tables a reconciliation does not read (issue 26): one it found equal with nothing left
 * to the next batch, while ToteSys's counters of it, the server's statistics, the mirror's
 * version of it, what its checksum covers and the keys the lake holds are as they were, for at
 * most {@code ETL_FULL_SCAN_INTERVAL}; any of them changed, or counters that cannot be
 * trusted, and it is read.
 */
class TablesFoundEqualTest {

    private static final SourceTable TABLE = SourceTable.SALES_ORDER;
    private static final String EXPRESSION = "md5(ROW(sales_order_id)::text)::uuid";

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-06T12:00:00Z"));
    private final TablesFoundEqual found = new TablesFoundEqual(Duration.ofMinutes(5), clock);
    private final SourceKeys held = keys(1, 2, 3);

    @Test
    void aTableFoundEqualIsNotReadWhileNeitherSideChanged() {
        assertThat(found.unchanged(TABLE, sides(counters(10), 1, held))).as("never compared").isFalse();
        compared(counters(10), 1, held, true);
        clock.move(Duration.ofSeconds(10));

        assertThat(found.unchanged(TABLE, sides(counters(10), 1, keys(1, 2, 3)))).isTrue();
        assertThat(found.unchanged(SourceTable.PAYMENT, sides(counters(10), 1, held))).as("another table").isFalse();
    }

    @Test
    void anyChangeOnEitherSideMakesItRead() {
        compared(counters(10), 1, held, true);

        assertThat(found.unchanged(TABLE, sides(counters(11), 1, held))).as("a counter moved").isFalse();
        assertThat(found.unchanged(TABLE, sides(restarted(counters(10)), 1, held))).as("the server restarted")
                .isFalse();
        assertThat(found.unchanged(TABLE, sides(counters(10), 2, held))).as("the mirror changed").isFalse();
        assertThat(found.unchanged(TABLE, sides(counters(10), 1, keys(1, 2)))).as("the lake's keys").isFalse();
        assertThat(found.unchanged(TABLE, sides(counters(10), 1, keys(1, 2, 4)))).as("the lake's keys").isFalse();
        assertThat(found.unchanged(TABLE, TablesFoundEqual.sides(counters(10), TABLE, 1, EXPRESSION + " ", held)))
                .as("what the checksum covers").isFalse();
        assertThat(found.unchanged(TABLE, sides(untrusted(counters(10)), 1, held))).as("counters not trusted")
                .isFalse();
    }

    @Test
    void theKeysRememberedAreACopyThatLaterChangesToTheLakesKeysDoNotReach() {
        SourceKeys live = keys(1, 2, 3);
        compared(counters(10), 1, live, true);
        live.add(4);

        assertThat(found.unchanged(TABLE, sides(counters(10), 1, live))).isFalse();
    }

    @Test
    void aTableFoundDifferentOrWithRowsLeftToTheNextBatchIsReadAgain() {
        compared(counters(10), 1, held, true);
        compared(counters(10), 1, held, false);

        assertThat(found.unchanged(TABLE, sides(counters(10), 1, held))).isFalse();
    }

    @Test
    void everyFullScanIntervalItIsReadWhateverTheySay() {
        compared(counters(10), 1, held, true);
        clock.move(Duration.ofMinutes(5).minusMillis(1));
        assertThat(found.unchanged(TABLE, sides(counters(10), 1, held))).isTrue();
        clock.move(Duration.ofMillis(1));
        assertThat(found.unchanged(TABLE, sides(counters(10), 1, held))).isFalse();

        TablesFoundEqual always = new TablesFoundEqual(Duration.ZERO, clock);
        always.compared(TABLE, sides(counters(10), 1, held), true, clock.instant());
        assertThat(always.unchanged(TABLE, sides(counters(10), 1, held))).as("ETL_FULL_SCAN_INTERVAL=0").isFalse();
    }

    private void compared(StatisticsCounters counters, long version, SourceKeys keys, boolean equal) {
        found.compared(TABLE, sides(counters, version, keys), equal, clock.instant());
    }

    private static Optional<TablesFoundEqual.Sides> sides(StatisticsCounters counters, long version, SourceKeys keys) {
        return TablesFoundEqual.sides(counters, TABLE, version, EXPRESSION, keys);
    }

    private static StatisticsCounters counters(long inserted) {
        Map<SourceTable, StatisticsCounters.Table> tables = new EnumMap<>(SourceTable.class);
        for (SourceTable table : SourceTable.values()) {
            tables.put(table, new StatisticsCounters.Table(inserted, 0, 0, 16_384));
        }
        return new StatisticsCounters(true, tables,
                new StatisticsCounters.Database(inserted, 0, 0, null, "2026-12-06 11:00:00+00"));
    }

    private static StatisticsCounters restarted(StatisticsCounters counters) {
        return new StatisticsCounters(true, counters.tables(), new StatisticsCounters.Database(0, 0, 0, null,
                "2026-12-06 11:59:00+00"));
    }

    private static StatisticsCounters untrusted(StatisticsCounters counters) {
        return new StatisticsCounters(false, counters.tables(), counters.database());
    }

    private static SourceKeys keys(int... keys) {
        SourceKeys set = SourceKeys.empty();
        for (int key : keys) {
            set.add(key);
        }
        return set;
    }
}
