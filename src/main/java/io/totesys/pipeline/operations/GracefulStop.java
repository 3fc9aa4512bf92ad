package io.totesys.pipeline.operations;

import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.logging.LoggingFilter;
import io.quarkus.runtime.ShutdownEvent;

/**
 * A stop (SIGTERM, as on every pod stop) says one line: the batches under way finish, the
 * timers stop. A timer that fires as the stop begins has its exchange refused by Camel, and
 * logs the refusal with a stack trace; that is how a clean stop looks, not a problem, so
 * the console leaves it out.
 */
@LoggingFilter(name = "stop-noise")
public final class GracefulStop implements Filter {

    private static final Logger LOG = Logger.getLogger(GracefulStop.class);

    @Override
    public boolean isLoggable(LogRecord record) {
        return !(record.getThrown() instanceof RejectedExecutionException
                && record.getLoggerName().startsWith("org.apache.camel.component.timer"));
    }

    static void stopping(@Observes ShutdownEvent event) {
        LOG.info("Stopping: the batches under way finish, then the service exits");
    }
}
