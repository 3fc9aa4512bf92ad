package io.totesys.pipeline.status;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.quarkus.qute.TemplateData;

/**
 * The status page's chart of the last day, read at a glance: the rows each slot of time
 * loaded, as bars on a log scale (a first load of 49,580 rows beside later batches of five
 * leaves those about a sixth of its height, not a hundredth of a pixel), with a line at each
 * power of ten; below them, on an axis of its own, the freshness lag as a line, so that
 * neither hides the other.
 * Its reads are bounded: at most {@link #SLOTS} rows each, by an index on the time.
 */
public final class ActivityChart {

    /** The most bars and lag points the chart draws. */
    static final int SLOTS = 240;
    static final double WIDTH = 720;
    /** The height of the rows panel, from its top at 0. */
    static final double ROWS_HEIGHT = 110;
    /** The top and the height of the lag panel, below the rows panel and its time axis. */
    static final double LAG_TOP = 135;
    static final double LAG_HEIGHT = 40;

    private static final String WINDOW = """
            SELECT least((SELECT min(finished_at) FROM pipeline.stage_run
                           WHERE stage = 'load' AND finished_at > now() - interval '1 day'),
                         (SELECT min(sampled_at) FROM pipeline.freshness_sample
                           WHERE sampled_at > now() - interval '1 day')),
                   now()""";
    private static final String ROWS_PER_SLOT = """
            SELECT min(finished_at), sum(row_count), count(*) FROM pipeline.stage_run
             WHERE stage = 'load' AND finished_at >= ?
             GROUP BY floor(extract(epoch FROM finished_at) / ?) ORDER BY 1""";
    private static final String LAG_PER_SLOT = """
            SELECT min(at), max(lag) FROM (
                SELECT sampled_at AS at, lag_seconds AS lag FROM pipeline.freshness_sample WHERE sampled_at >= ?
                UNION ALL
                SELECT finished_at, lag_seconds FROM pipeline.stage_run
                 WHERE stage = 'load' AND finished_at >= ? AND lag_seconds IS NOT NULL) AS samples
             GROUP BY floor(extract(epoch FROM at) / ?) ORDER BY 1""";

    /** The chart laid out in SVG coordinates. */
    @TemplateData
    public record Chart(List<Bar> bars, List<Tick> rowTicks, String lagLine, String maxLag, int batches, long rows,
            String from, String to) {
    }

    @TemplateData
    public record Bar(double x, double y, double width, double height, String title) {
    }

    /** A line across the rows panel at a power of ten, with its label. */
    @TemplateData
    public record Tick(double y, String label) {
    }

    /** Rows loaded in one slot of time, from {@code at} seconds into the window, by {@code batches} batches. */
    record Slot(double at, long rows, long batches) {
    }

    /** The greatest lag seen in one slot of time. */
    record Lag(double at, double seconds) {
    }

    private ActivityChart() {
    }

    /** Reads the last day's load batches and lag samples and lays them out. */
    static Chart read(Connection connection) throws SQLException {
        OffsetDateTime from;
        OffsetDateTime to;
        try (PreparedStatement statement = connection.prepareStatement(WINDOW);
                ResultSet result = statement.executeQuery()) {
            result.next();
            from = result.getObject(1, OffsetDateTime.class);
            to = result.getObject(2, OffsetDateTime.class);
        }
        if (from == null) {
            return layout(List.of(), List.of(), 1, "", Formats.time(to));
        }
        double window = Math.max(1, Duration.between(from, to).toMillis() / 1000.0);
        double slot = Math.max(1, Math.ceil(window / SLOTS));
        List<Slot> slots = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(ROWS_PER_SLOT)) {
            statement.setObject(1, from);
            statement.setDouble(2, slot);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    slots.add(new Slot(seconds(from, result.getObject(1, OffsetDateTime.class)), result.getLong(2),
                            result.getLong(3)));
                }
            }
        }
        List<Lag> lags = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(LAG_PER_SLOT)) {
            statement.setObject(1, from);
            statement.setObject(2, from);
            statement.setDouble(3, slot);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    lags.add(new Lag(seconds(from, result.getObject(1, OffsetDateTime.class)), result.getDouble(2)));
                }
            }
        }
        return layout(slots, lags, window, Formats.time(from), Formats.time(to));
    }

    /** Lays out slots and lag points of a window of {@code window} seconds. */
    static Chart layout(List<Slot> slots, List<Lag> lags, double window, String from, String to) {
        long maxRows = Math.max(1, slots.stream().mapToLong(Slot::rows).max().orElse(1));
        double scale = Math.log10(maxRows + 1.0);
        double barWidth = Math.max(1.5, WIDTH / SLOTS * 0.8);
        List<Bar> bars = slots.stream().map(slot -> {
            double height = Math.max(slot.rows() > 0 ? 1 : 0, Math.log10(slot.rows() + 1.0) / scale * ROWS_HEIGHT);
            return new Bar(round(slot.at() / window * (WIDTH - barWidth)), round(ROWS_HEIGHT - height),
                    round(barWidth), round(height), String.format(Locale.ROOT, "%,d rows in %d batches",
                            slot.rows(), slot.batches()));
        }).toList();
        List<Tick> ticks = new ArrayList<>();
        for (long power = 1; power <= maxRows; power *= 10) {
            ticks.add(new Tick(round(ROWS_HEIGHT - Math.log10(power + 1.0) / scale * ROWS_HEIGHT), label(power)));
        }
        double maxLag = Math.max(0.001, lags.stream().mapToDouble(Lag::seconds).max().orElse(0));
        StringBuilder line = new StringBuilder();
        for (Lag lag : lags) {
            line.append(round(lag.at() / window * WIDTH)).append(',')
                    .append(round(LAG_TOP + LAG_HEIGHT - lag.seconds() / maxLag * LAG_HEIGHT)).append(' ');
        }
        return new Chart(bars, ticks, line.toString().trim(), lags.isEmpty() ? "" : Formats.seconds(maxLag),
                (int) slots.stream().mapToLong(Slot::batches).sum(), slots.stream().mapToLong(Slot::rows).sum(),
                from, to);
    }

    /** 1, 10, 100, 1k, 10k, 100k, 1M, ... */
    private static String label(long power) {
        if (power >= 1_000_000) {
            return power / 1_000_000 + "M";
        }
        return power >= 1_000 ? power / 1_000 + "k" : Long.toString(power);
    }

    private static double seconds(OffsetDateTime from, OffsetDateTime at) {
        return Duration.between(from, at).toMillis() / 1000.0;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
