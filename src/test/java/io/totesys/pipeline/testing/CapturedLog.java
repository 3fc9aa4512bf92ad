package io.totesys.pipeline.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The lines a class of the service logs while a test holds this open, as its log would show
 * them: {@code WARN The clock reads ...}.
 */
public final class CapturedLog extends Handler implements AutoCloseable {

    private final Logger logger;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private CapturedLog(Logger logger) {
        this.logger = logger;
        logger.addHandler(this);
    }

    /** Starts capturing what the class logs. */
    public static CapturedLog of(Class<?> source) {
        return new CapturedLog(Logger.getLogger(source.getName()));
    }

    /** Starts capturing what every class logs (the root logger's lines). */
    public static CapturedLog ofEverything() {
        return new CapturedLog(Logger.getLogger(""));
    }

    /** The lines captured so far, each its level's name and its message. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void publish(LogRecord record) {
        String message = record instanceof ExtLogRecord extended ? extended.getFormattedMessage()
                : new SimpleFormatter().formatMessage(record);
        lines.add(levelName(record.getLevel()) + " " + message);
    }

    private static String levelName(Level level) {
        return level.intValue() >= Level.SEVERE.intValue() ? "ERROR"
                : level.intValue() >= Level.WARNING.intValue() ? "WARN"
                        : level.intValue() >= Level.INFO.intValue() ? "INFO" : "DEBUG";
    }

    @Override
    public void flush() {
        // nothing buffered
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
