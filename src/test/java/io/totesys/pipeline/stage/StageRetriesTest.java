package io.totesys.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.testing.SettableClock;

class StageRetriesTest {

    private final SettableClock clock = new SettableClock(Instant.parse("2026-11-26T10:00:00Z"));
    private final StageRetries retries = new StageRetries(Duration.ofSeconds(1), Duration.ofSeconds(30), clock);

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

        clock.move(Duration.ofMillis(1_999));
        assertThat(retries.due("transform-poll")).isFalse();
        clock.move(Duration.ofMillis(1));
        assertThat(retries.due("transform-poll")).isTrue();

        retries.succeeded("transform-pending");
        assertThat(retries.failed(PipelineStage.TRANSFORM)).as("a success starts the doubling again")
                .isEqualTo(Duration.ofSeconds(1));
    }
}
