package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.totesys.pipeline.source.TransactionSnapshot;
import io.totesys.pipeline.testing.SettableClock;

/** How long the oldest transaction on ToteSys's server has been open, as the batches' snapshots show it. */
class OpenTransactionWatchTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-06T12:00:00Z"));
    private final OpenTransactionWatch watch = new OpenTransactionWatch(Duration.ofMinutes(10), clock, registry);

    @Test
    void aTransactionThatStaysOpenWhileOthersCommitIsTimed() {
        watch.observe(TransactionSnapshot.parse("1000:1200:1000"));
        clock.move(Duration.ofSeconds(90));
        watch.observe(TransactionSnapshot.parse("1000:900000:1000"));

        assertThat(gauge()).isEqualTo(90.0);
    }

    @Test
    void anotherOldestTransactionStartsTheTimeAgain() {
        watch.observe(TransactionSnapshot.parse("1000:1200:1000"));
        clock.move(Duration.ofSeconds(90));
        watch.observe(TransactionSnapshot.parse("1150:1300:1150"));

        assertThat(gauge()).isZero();
    }

    @Test
    void noOpenTransactionIsNoAge() {
        watch.observe(TransactionSnapshot.parse("1000:1200:1000"));
        clock.move(Duration.ofSeconds(90));
        watch.observe(TransactionSnapshot.parse("1300:1300:"));

        assertThat(gauge()).isZero();
    }

    private double gauge() {
        return registry.get("pipeline.source.oldest.open.transaction").gauge().value();
    }
}
