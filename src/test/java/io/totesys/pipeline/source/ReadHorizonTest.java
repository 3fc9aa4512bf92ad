package io.totesys.pipeline.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

/**
 * The read horizon keeps what the lake holds, so that its size follows what ToteSys wrote,
 * not how many transactions the server ran meanwhile.
 */
class ReadHorizonTest {

    @Test
    void aTransactionLeftOpenWhileAMillionOthersCommitAddsNothingButWhatWasRead() {
        ReadHorizon first = ReadHorizon.after(TransactionSnapshot.parse("1000:1000:"), null, Set.of());
        TransactionSnapshot busy = TransactionSnapshot.parse("1000:1001000:1000");

        ReadHorizon after = ReadHorizon.after(busy, first, Set.of(500_000L, 500_001L, 700_000L));

        assertThat(after).hasToString("1000:1001000:+500000-500001,700000");
        assertThat(after.holds(999)).as("ended before the oldest open one").isTrue();
        assertThat(after.holds(1000)).as("the open transaction").isFalse();
        assertThat(after.holds(500_001)).as("read by the batch").isTrue();
        assertThat(after.holds(600_000)).as("another database's, or a subtransaction still open").isFalse();
        assertThat(after.holds(1_001_000)).as("not begun when the batch read").isFalse();
    }

    @Test
    void whatWasHeldStaysHeldAsTheOldestOpenTransactionEnds() {
        ReadHorizon before = ReadHorizon.parse("1000:2000:+1500,1600-1604,1606-1610");
        TransactionSnapshot later = TransactionSnapshot.parse("1605:3000:1605,2500");

        ReadHorizon after = ReadHorizon.after(later, before, Set.of(2100L));

        assertThat(after).hasToString("1605:3000:+1606-1610,2100");
        assertThat(after.holds(1500)).isTrue();
        assertThat(after.holds(1605)).isFalse();
    }

    /**
     * A frozen row whose 32-bit xmin the counter has come round to widens onto whichever
     * transaction holds those bits now: one the snapshot lists as open wrote none of the rows
     * read, and its own, unseen yet, must stay for the next batch.
     */
    @Test
    void aTransactionTheSnapshotListsAsOpenIsNotHeldWhateverRowsWereTakenForItsOwn() {
        ReadHorizon before = ReadHorizon.parse("1000:2000:+");
        TransactionSnapshot current = TransactionSnapshot.parse("2100:2300:2100,2200");

        ReadHorizon after = ReadHorizon.after(current, before, Set.of(2150L, 2200L));

        assertThat(after).hasToString("2100:2300:+2150");
        assertThat(after.holds(2200)).as("open when the batch read").isFalse();
    }

    @Test
    void aHorizonStoredAsAPgSnapshotListsWhatWasNotHeld() {
        ReadHorizon legacy = ReadHorizon.parse("100:110:103,105");

        assertThat(legacy).hasToString("100:110:+100-102,104,106-109");
        assertThat(LongStream.range(95, 112).filter(legacy::holds).boxed())
                .containsExactly(95L, 96L, 97L, 98L, 99L, 100L, 101L, 102L, 104L, 106L, 107L, 108L, 109L);
        assertThat(ReadHorizon.parse(legacy.toString())).isEqualTo(legacy);
    }

    @Test
    void theConditionForNewRowVersionsNamesOnlyNumbers() {
        ReadHorizon horizon = ReadHorizon.parse("1000:2000:+1500,1600-1610");

        assertThat(horizon.excludes("x")).isEqualTo(
                "(x >= 1000 AND NOT (x = ANY ('{1500}'::bigint[]) OR x BETWEEN 1600 AND 1610))");
    }
}
