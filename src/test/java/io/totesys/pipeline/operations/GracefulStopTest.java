package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

class GracefulStopTest {

    private final GracefulStop filter = new GracefulStop();

    @Test
    void aTimerExchangeRefusedWhileStoppingIsLeftOut() {
        assertThat(filter.isLoggable(record("org.apache.camel.component.timer.TimerConsumer",
                new RejectedExecutionException()))).isFalse();
    }

    @Test
    void everyOtherLineStays() {
        assertThat(filter.isLoggable(record("org.apache.camel.component.timer.TimerConsumer",
                new IllegalStateException("a real failure")))).isTrue();
        assertThat(filter.isLoggable(record("io.totesys.pipeline.stage.StageRetries",
                new RejectedExecutionException()))).isTrue();
        assertThat(filter.isLoggable(record("io.totesys.pipeline.extract.ExtractBatches", null))).isTrue();
    }

    private static LogRecord record(String logger, Throwable thrown) {
        LogRecord record = new LogRecord(Level.WARNING, "Error processing exchange");
        record.setLoggerName(logger);
        record.setThrown(thrown);
        return record;
    }
}
