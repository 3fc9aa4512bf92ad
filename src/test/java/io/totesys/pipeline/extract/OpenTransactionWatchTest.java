package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.totesys.pipeline.source.TransactionSnapshot;

/** How long the oldest transaction on ToteSys's server has been open, as the batches' snapshots show it. */
class OpenTransactionWatchTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Instant now = Instant.parse("2026-12-06T12:00:00Z");

    private final OpenTransactionWatch watch = new OpenTransactionWatch(Duration.ofMinutes(10), new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }, registry);

    @Test
    void aTransactionThatStaysOpenWhileOthersCommitIsTimed() {
        watch.observe(TransactionSnapshot.parse("1000:1200:1000"));
        now = now.plusSeconds(90);
        watch.observe(TransactionSnapshot.parse("1000:900000:1000"));

        assertThat(gauge()).isEqualTo(90.0);
    }

    @Test
    void anotherOldestTransactionStartsTheTimeAgain() {
        watch.observe(TransactionSnapshot.parse("1000:1200:1000"));
        now = now.plusSeconds(90);
        watch.observe(TransactionSnapshot.parse("1150:1300:1150"));

        assertThat(gauge()).isZero();
    }

    @Test
    void noOpenTransactionIsNoAge() {
        watch.observe(TransactionSnapshot.parse("1000:1200:1000"));
        now = now.plusSeconds(90);
        watch.observe(TransactionSnapshot.parse("1300:1300:"));

        assertThat(gauge()).isZero();
    }

    private double gauge() {
        return registry.get("pipeline.source.oldest.open.transaction").gauge().value();
    }
}
