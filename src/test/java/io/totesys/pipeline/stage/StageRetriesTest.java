package io.totesys.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class StageRetriesTest {

    private Instant now = Instant.parse("2026-11-26T10:00:00Z");
    private final StageRetries retries = new StageRetries(Duration.ofSeconds(1), Duration.ofSeconds(30), new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    @Test
    void eachFailureInARowDoublesTheWaitUpToTheMaximum() {
        assertThat(retries.due("load-poll")).isTrue();
        long[] waits = new long[8];
        for (int failure = 0; failure < waits.length; failure++) {
            waits[failure] = retries.failed(PipelineStage.LOAD).toSeconds();
        }
        assertThat(waits).containsExactly(1, 2, 4, 8, 16, 30, 30, 30);
    }

    @Test
    void aStageWaitsOutItsBackoffAloneAndASuccessResetsIt() {
        retries.failed(PipelineStage.TRANSFORM);
        retries.failed(PipelineStage.TRANSFORM);
        assertThat(retries.due("transform-poll")).as("2 s after its second failure").isFalse();
        assertThat(retries.due("extract-poll")).as("other stages run on").isTrue();

        now = now.plusMillis(1_999);
        assertThat(retries.due("transform-poll")).isFalse();
        now = now.plusMillis(1);
        assertThat(retries.due("transform-poll")).isTrue();

        retries.succeeded("transform-pending");
        assertThat(retries.failed(PipelineStage.TRANSFORM)).as("a success starts the doubling again")
                .isEqualTo(Duration.ofSeconds(1));
    }
}
