package io.totesys.pipeline.stage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.apache.camel.util.TimeUtils;

/**
 * Exponential backoff for the stages' retries. A stage whose batch failed skips its polls
 * until its next attempt is due: {@code ETL_RETRY_INITIAL_BACKOFF} after the first
 * failure, twice as long after each further one, never more than
 * {@code ETL_RETRY_MAX_BACKOFF}. A batch that succeeds resets its stage. While S3 or a
 * database is away, the service thus keeps knocking, less and less often, and goes on by
 * itself once it is back; every batch rolled back or undid its partial writes, so a retry
 * starts clean.
 * <p>
 * The stage routes ask {@link #due(String)} on each poll and report {@link #succeeded(String)}
 * as their last step; the shared error handling reports failures. A stage that succeeds again
 * after failures, or for the first time on this replica, is told to {@link StageRuns}, which
 * keeps the failures in a row for the status page.
 */
@ApplicationScoped
@Named("stageRetries")
public class StageRetries {

    /** A stage's failures in a row, and when it may try again. */
    private record Backoff(int failures, Instant nextAttempt) {
    }

    private final Duration initialBackoff;
    private final Duration maximumBackoff;
    private final Clock clock;
    private final Consumer<PipelineStage> recovered;
    private final Map<PipelineStage, Backoff> backoffs = new ConcurrentHashMap<>();
    private final Set<PipelineStage> recoveryRecorded = ConcurrentHashMap.newKeySet();

    @Inject
    StageRetries(PipelineSettings settings, StageRuns runs) {
        this(TimeUtils.toDuration(settings.retry().initialBackoff()),
                TimeUtils.toDuration(settings.retry().maxBackoff()), Clock.systemUTC(), runs::succeeded);
    }

    StageRetries(Duration initialBackoff, Duration maximumBackoff, Clock clock) {
        this(initialBackoff, maximumBackoff, clock, stage -> {
        });
    }

    private StageRetries(Duration initialBackoff, Duration maximumBackoff, Clock clock,
            Consumer<PipelineStage> recovered) {
        this.recovered = recovered;
        this.initialBackoff = initialBackoff;
        this.maximumBackoff = maximumBackoff.compareTo(initialBackoff) < 0 ? initialBackoff : maximumBackoff;
        this.clock = clock;
    }

    /** Whether the stage of the route may run a batch now. */
    public boolean due(String routeId) {
        Backoff backoff = PipelineStage.ofRoute(routeId).map(backoffs::get).orElse(null);
        return backoff == null || !clock.instant().isBefore(backoff.nextAttempt());
    }

    /** A batch of the route's stage succeeded: its next poll runs as usual. */
    public void succeeded(String routeId) {
        PipelineStage.ofRoute(routeId).ifPresent(stage -> {
            if (backoffs.remove(stage) != null | recoveryRecorded.add(stage)) {
                recovered.accept(stage);
            }
        });
    }

    /** A batch of the stage failed; returns how long the stage now waits before it tries again. */
    public Duration failed(PipelineStage stage) {
        Backoff backoff = backoffs.compute(stage, (key, previous) -> {
            int failures = previous == null ? 1 : previous.failures() + 1;
            return new Backoff(failures, clock.instant().plus(delayAfter(failures)));
        });
        return delayAfter(backoff.failures());
    }

    private Duration delayAfter(int failures) {
        Duration delay = initialBackoff;
        for (int failure = 1; failure < failures && delay.compareTo(maximumBackoff) < 0; failure++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maximumBackoff) > 0 ? maximumBackoff : delay;
    }
}
