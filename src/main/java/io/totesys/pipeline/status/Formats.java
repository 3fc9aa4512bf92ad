package io.totesys.pipeline.status;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the status page writes times, durations and lags: UTC to the second, seconds to the millisecond. */
final class Formats {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'");

    private Formats() {
    }

    static String time(OffsetDateTime time) {
        return time == null ? "" : TIME.format(time.withOffsetSameInstant(ZoneOffset.UTC));
    }

    static String seconds(double seconds) {
        if (Double.isNaN(seconds)) {
            return "";
        }
        if (Math.abs(seconds) < 120) {
            return String.format(Locale.ROOT, "%.3f s", seconds);
        }
        Duration duration = Duration.ofMillis((long) (seconds * 1000));
        return duration.toHours() > 0
                ? String.format(Locale.ROOT, "%d h %d min", duration.toHours(), duration.toMinutesPart())
                : String.format(Locale.ROOT, "%d min %d s", duration.toMinutes(), duration.toSecondsPart());
    }

    static String between(OffsetDateTime from, OffsetDateTime to) {
        return from == null || to == null ? "" : seconds(Duration.between(from, to).toMillis() / 1000.0);
    }
}
