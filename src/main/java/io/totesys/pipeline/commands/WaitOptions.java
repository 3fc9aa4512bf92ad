package io.totesys.pipeline.commands;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

import io.quarkus.runtime.configuration.DurationConverter;
import picocli.CommandLine.Option;

/**
 * {@code --wait} and {@code --timeout}, shared by the commands that queue a request: whether
 * to wait for the service's outcome, and for how long at most. The service honours a request
 * at its leader's next poll ({@code ETL_POLL_INTERVAL}, {@code ETL_STAGE_POLL_INTERVAL}); a
 * stage backing off after failures honours it once its backoff is over.
 */
class WaitOptions {

    /** How often a waiting command looks at the request again. */
    private static final Duration LOOK_AGAIN = Duration.ofSeconds(1);

    @Option(names = "--wait", description = "Wait for the outcome: exit 0 once done, 1 if it failed (the line says "
            + "why), 3 if --timeout passed first")
    boolean wait;

    @Option(names = "--timeout", defaultValue = "10m", paramLabel = "<duration>", converter = Durations.class, description = "How long --wait waits at most, such as 90s, 10m or 1h (default: ${DEFAULT-VALUE})")
    Duration timeout;

    /** Waits until the check finds what it looks for, or the timeout passes (empty). */
    <T> Optional<T> until(Instant deadline, Supplier<Optional<T>> check) {
        while (true) {
            Optional<T> found = check.get();
            if (found.isPresent() || !Instant.now().isBefore(deadline)) {
                return found;
            }
            try {
                Thread.sleep(LOOK_AGAIN.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    Instant deadline() {
        return Instant.now().plus(timeout);
    }

    /** A duration as the settings write one: {@code 90s}, {@code 10m}, {@code 1h}, or ISO-8601. */
    static final class Durations implements picocli.CommandLine.ITypeConverter<Duration> {

        @Override
        public Duration convert(String value) {
            try {
                Duration duration = DurationConverter.parseDuration(value);
                if (duration == null || duration.isNegative() || duration.isZero()) {
                    throw new IllegalArgumentException();
                }
                return duration;
            } catch (RuntimeException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration: write one such as 90s, 10m or 1h");
            }
        }
    }
}
