package io.totesys.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Awaits what a test waits for, the one way every test here does: Awaitility, polled every
 * {@link #POLL} (or as often as a test that acts the moment the condition holds asks), and on
 * timeout an {@link AssertionError} that says what was awaited, the last thing seen and what to
 * look at (a packaged service's output, say). A probe that fails with an {@link IOException} (a
 * server not listening yet) is tried again.
 */
public final class Eventually {

    /** How often a condition is polled. */
    public static final Duration POLL = Duration.ofMillis(250);

    private Eventually() {
    }

    /** Waits until the condition holds. */
    public static void holds(String what, Duration timeout, Callable<Boolean> condition, Supplier<String> context) {
        answers(what, timeout, POLL, condition, Boolean.TRUE::equals, context);
    }

    /**
     * Waits until the condition holds, polled this often: for a test that acts the moment it
     * holds (stops a server while a batch is under way, say).
     */
    public static void holds(String what, Duration timeout, Duration poll, Callable<Boolean> condition,
            Supplier<String> context) {
        answers(what, timeout, poll, condition, Boolean.TRUE::equals, context);
    }

    /**
     * Waits until the probe's answer is accepted; returns it. On timeout the error names the
     * last answer, or the last failure to get one.
     */
    public static <T> T answers(String what, Duration timeout, Callable<T> probe, Predicate<T> accepted,
            Supplier<String> context) {
        return answers(what, timeout, POLL, probe, accepted, context);
    }

    private static <T> T answers(String what, Duration timeout, Duration poll, Callable<T> probe,
            Predicate<T> accepted, Supplier<String> context) {
        AtomicReference<Object> last = new AtomicReference<>("no answer");
        AtomicReference<T> answer = new AtomicReference<>();
        try {
            Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(poll).until(() -> {
                try {
                    T seen = probe.call();
                    last.set(seen);
                    answer.set(seen);
                    return accepted.test(seen);
                } catch (IOException | UncheckedIOException e) {
                    last.set(e);
                    return false;
                }
            });
            return answer.get();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not within " + timeout + ": " + what + "; last answer: " + last.get() + "\n"
                    + context.get(), e);
        }
    }
}
