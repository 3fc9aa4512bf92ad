package io.totesys.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.SettableClock;

/** Issue 24, point 2: a new batch id is never below the last one, whatever the clock says. */
class BatchIdsTest {

    private final SettableClock clock = new SettableClock(Instant.parse("2026-11-26T10:00:00.123Z"));
    private Optional<BatchId> recorded = Optional.empty();
    private final BatchIds ids = new BatchIds(() -> recorded, clock);

    @Test
    void anIdIsTheClocksInstantWhenTheClockIsPastTheLastOne() {
        assertThat(ids.next().value()).as("the first ever").startsWith("20261126T100000123Z-");
        clock.move(Duration.ofSeconds(1));
        recorded = Optional.of(new BatchId("20261126T100000500Z-ffffff"));
        assertThat(ids.next().value()).startsWith("20261126T100001123Z-");
    }

    @Test
    void aClockBehindTheLastRecordedIdGoesOnFromItAndIsSaidOnce() {
        recorded = Optional.of(new BatchId("20261126T100100123Z-000000"));
        try (CapturedLog log = CapturedLog.of(BatchIds.class)) {
            BatchId first = ids.next();
            clock.move(Duration.ofSeconds(1));
            BatchId second = ids.next();

            assertThat(first.value()).startsWith("20261126T100100124Z-");
            assertThat(second.value()).startsWith("20261126T100100125Z-");
            assertThat(log.lines()).containsExactly("WARN The clock (2026-11-26T10:00:00.123Z) is 60.000 s behind "
                    + "the last batch id 20261126T100100123Z-000000 (a failover to a replica whose clock is behind, "
                    + "or a clock step back): new batch ids go on from it, 1 ms apart, until the clock passes it");

            clock.move(Duration.ofSeconds(60));
            assertThat(ids.next().value()).as("the clock past it again").startsWith("20261126T100101123Z-");
            assertThat(log.lines()).hasSize(2).last().asString()
                    .startsWith("INFO The clock (2026-11-26T10:01:01.123Z) is past the last batch id again");
        }
    }

    @Test
    void aClockStepBackAfterAnIdNotRecordedYetGoesOnFromThatId() {
        BatchId handedOut = ids.next();
        clock.move(Duration.ofSeconds(-5));
        try (CapturedLog log = CapturedLog.of(BatchIds.class)) {
            assertThat(ids.next().value()).startsWith("20261126T100000124Z-");
            assertThat(log.lines()).singleElement().asString()
                    .contains(" is 5.000 s behind the last batch id " + handedOut + " ");
        }
    }

    @Test
    void idsWithinOneMillisecondSortInTheOrderTheyWereHandedOut() {
        recorded = Optional.of(new BatchId("20261126T100000123Z-ffffff"));
        try (CapturedLog log = CapturedLog.of(BatchIds.class)) {
            BatchId first = ids.next();
            BatchId second = ids.next();

            assertThat(first).isGreaterThan(recorded.get());
            assertThat(second).isGreaterThan(first);
            assertThat(first.value()).startsWith("20261126T100000124Z-");
            assertThat(second.value()).startsWith("20261126T100000125Z-");
            assertThat(log.lines()).as("a clock that has not moved on is not behind").isEmpty();
        }
    }

    @Test
    void aClockFarAheadOfTheLastIdIsTakenAsItIs() {
        recorded = Optional.of(new BatchId("20261126T100000123Z-ffffff"));
        clock.move(Duration.ofDays(365));
        try (CapturedLog log = CapturedLog.of(BatchIds.class)) {
            assertThat(ids.next().value()).startsWith("20271126T100000123Z-");
            assertThat(log.lines()).isEmpty();
        }
    }

    @Test
    void anIdNamesItsInstantAndDateToTheMillisecond() {
        Instant instant = Instant.parse("2026-12-31T23:59:59.999876Z");
        BatchId id = BatchId.startingAt(instant);
        assertThat(id.instant()).isEqualTo(Instant.parse("2026-12-31T23:59:59.999Z"));
        assertThat(BatchId.startingAt(id.instant().plusMillis(1)).date()).hasToString("2027-01-01");
    }
}
