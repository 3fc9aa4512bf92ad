package io.totesys.pipeline.benchmark;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When each stage of a run-once cycle ended, read from the service's log: the one line per
 * batch and stage that the service writes (docs/operations.md#logs-and-metrics), stamped in UTC. The extract
 * stage starts at its batch id's instant; each later stage starts where the one before ended.
 *
 * @param extractStarted when the extract batch opened (its batch id)
 * @param extractPublished when the extract batch's manifest was written and the watermarks moved
 * @param transformPublished when the transform batch was written and its CSV objects archived
 * @param loadCommitted when the load transaction committed
 */
record ServiceTimeline(Instant extractStarted, Instant extractPublished, Instant transformStarted,
        Instant transformPublished, Instant loadCommitted) {

    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final DateTimeFormatter BATCH_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'");
    private static final String TIME = "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}) .*";

    static ServiceTimeline read(String log) {
        Matcher extract = find(log, TIME + "Extract batch (\\d{8}T\\d{9}Z)-\\w+ published.*");
        Matcher transform = find(log, TIME + "Transform batch \\S+ published.*");
        Matcher load = find(log, TIME + "Load batch \\S+ committed.*");
        // In run-once mode a due reconciliation runs between the extract and the transform:
        // the transform starts once it is done.
        Instant transformStarted = logTime(extract);
        Matcher reconciled = Pattern.compile(TIME + "Reconciliation \\S+ compared.*", Pattern.MULTILINE).matcher(log);
        if (reconciled.find() && logTime(reconciled).isAfter(transformStarted)
                && logTime(reconciled).isBefore(logTime(transform))) {
            transformStarted = logTime(reconciled);
        }
        return new ServiceTimeline(
                LocalDateTime.parse(extract.group(2), BATCH_TIME).toInstant(ZoneOffset.UTC),
                logTime(extract), transformStarted, logTime(transform), logTime(load));
    }

    private static Matcher find(String log, String line) {
        Matcher matcher = Pattern.compile(line, Pattern.MULTILINE).matcher(log);
        if (!matcher.find()) {
            throw new IllegalStateException("the service's log has no line matching " + line);
        }
        return matcher;
    }

    private static Instant logTime(Matcher line) {
        return LocalDateTime.parse(line.group(1), LOG_TIME).toInstant(ZoneOffset.UTC);
    }
}
