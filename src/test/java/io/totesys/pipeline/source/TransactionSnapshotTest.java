package io.totesys.pipeline.source;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A row's 32-bit xmin, widened to the 64-bit id of the transaction that wrote it. */
class TransactionSnapshotTest {

    private static final long TURN = TransactionSnapshot.XID_SPACE;

    @Test
    void thirtyTwoBitsWidenToTheLatestIdBelowXmax() {
        TransactionSnapshot snapshot = TransactionSnapshot.parse((TURN + 500) + ":" + (TURN + 1000) + ":");

        assertThat(snapshot.widen(999)).isEqualTo(TURN + 999);
        assertThat(snapshot.widen(3)).isEqualTo(TURN + 3);
        assertThat(snapshot.widen(1001)).as("bits the counter has not reached again").isEqualTo(1001);
        assertThat(snapshot.widen(1000)).as("xmax's own bits: no row the snapshot sees was written by xmax")
                .isEqualTo(1000);
    }
}
