package io.totesys.pipeline.operations;

import java.util.List;

import io.quarkus.runtime.Application;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import sun.misc.Signal;

/**
 * A stop signal (SIGTERM, as on every pod stop; SIGINT, a Ctrl-C) stops the service before the
 * JVM's shutdown begins, not with it: the batches under way finish, then the JVM exits.
 * <p>
 * Left to the JVM, the signal runs every shutdown hook at once, Quarkus's stop among them.
 * Iceberg makes part of each commit (its manifests, its deletes) on thread pools of its own,
 * whose shutdown hooks stop them at the signal: a batch's commits still to come while Camel
 * let the batch finish were refused, and the batch waited for the next start. Here the signal
 * asks Quarkus to exit; its stop lets Camel finish the batches under way, commits included,
 * and only then does the JVM's shutdown begin. A signal while the service starts stops it once
 * it has started (its routes may be under way by then). A signal that comes while the stop is
 * under way changes nothing, as with the JVM's own handling, and so does one after run-once's
 * own exit; a process that must end at once is killed (SIGKILL, as Kubernetes does once the
 * pod's grace period is over).
 */
public final class StopSignals {

    private static final List<String> STOPS = List.of("TERM", "INT");
    /** What a shell reports for a process a signal ended: 128 and the signal's number. */
    private static final int SIGNALLED = 128;

    private StopSignals() {
    }

    /** Makes the stop signals stop the service first; in a packaged run only (dev mode keeps its own). */
    public static void stopTheServiceFirst() {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        for (String name : STOPS) {
            Signal.handle(new Signal(name), signal -> stop(SIGNALLED + signal.getNumber()));
        }
    }

    private static void stop(int exitCode) {
        if (Application.currentApplication() == null) {
            System.exit(exitCode); // Quarkus not begun: nothing to stop first
        }
        Quarkus.asyncExit(exitCode); // once only: a repeated signal, or run-once's own exit, changes nothing
    }
}
