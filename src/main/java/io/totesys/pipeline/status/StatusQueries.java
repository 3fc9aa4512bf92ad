package io.totesys.pipeline.status;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.totesys.pipeline.status.StatusView.Bar;
import io.totesys.pipeline.status.StatusView.Batch;
import io.totesys.pipeline.status.StatusView.BatchPage;
import io.totesys.pipeline.status.StatusView.Change;
import io.totesys.pipeline.status.StatusView.Chart;
import io.totesys.pipeline.status.StatusView.Hold;
import io.totesys.pipeline.status.StatusView.Hop;
import io.totesys.pipeline.status.StatusView.Reconciled;
import io.totesys.pipeline.status.StatusView.Replica;
import io.totesys.pipeline.status.StatusView.SchemaHolds;
import io.totesys.pipeline.status.StatusView.Stage;

/**
 * The status page's reads of the pipeline schema. Each is an indexed lookup or a bounded
 * range, so that the page stays fast with a long batch log: the batch log pages by batch id
 * (keyset, on its primary key), the runs of a page's batches come by batch id, each stage's
 * latest run and the last day's runs by stage and time.
 */
final class StatusQueries {

    /** Batches on a page of the batch log. */
    static final int PAGE_SIZE = 20;
    /** The most bars and lag points the chart draws. */
    static final int CHART_SLOTS = 240;
    static final double CHART_WIDTH = 720;
    static final double CHART_HEIGHT = 160;

    private static final String STAGES = """
            SELECT s.stage, r.batch_id, r.started_at, r.finished_at, r.row_count,
                   coalesce(st.failures_in_a_row, 0), st.last_failure, st.next_attempt_at
              FROM (VALUES ('extract', 1), ('transform', 2), ('load', 3)) AS s (stage, position)
              LEFT JOIN LATERAL (SELECT * FROM pipeline.stage_run r WHERE r.stage = s.stage
                                  ORDER BY r.finished_at DESC LIMIT 1) r ON true
              LEFT JOIN pipeline.stage_state st ON st.stage = s.stage
             ORDER BY s.position""";
    private static final String REPLICAS = """
            SELECT replica_id, leader, started_at, last_seen_at, last_seen_at > now() - interval '1 minute'
              FROM pipeline.replica ORDER BY leader DESC, last_seen_at DESC LIMIT 20""";
    private static final String NEWEST_BATCHES = """
            SELECT batch_id, status, repair, started_at, finished_at, row_count FROM pipeline.extract_batch
             ORDER BY batch_id DESC LIMIT ?""";
    private static final String OLDER_BATCHES = """
            SELECT batch_id, status, repair, started_at, finished_at, row_count FROM pipeline.extract_batch
             WHERE batch_id < ? ORDER BY batch_id DESC LIMIT ?""";
    private static final String NEWER_BATCHES = """
            SELECT batch_id, status, repair, started_at, finished_at, row_count FROM pipeline.extract_batch
             WHERE batch_id > ? ORDER BY batch_id ASC LIMIT ?""";
    private static final String RUNS_OF_BATCHES = """
            SELECT batch_id, stage, row_count, row_counts::text, started_at, finished_at FROM pipeline.stage_run
             WHERE batch_id = ANY (?) ORDER BY run_id""";
    private static final String LOADS_OF_BATCHES = """
            SELECT batch_id, loads, quarantined::text FROM pipeline.load_batch WHERE batch_id = ANY (?)""";
    private static final String CHART_WINDOW = """
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
    private static final String LATEST_RECONCILIATION = """
            SELECT run_id, table_name, finished_at, compared, pending, missing, extra, changed, adopted, repaired,
                   repair_batch_id
              FROM pipeline.reconcile_run
             WHERE run_id = (SELECT run_id FROM pipeline.reconcile_run WHERE finished_at IS NOT NULL
                              ORDER BY started_at DESC LIMIT 1)
             ORDER BY table_name""";
    private static final String HELD_TABLES = """
            SELECT table_name, held_reason FROM pipeline.source_schema WHERE held_reason IS NOT NULL
             ORDER BY table_name""";
    private static final String RECENT_SCHEMA_CHANGES = """
            SELECT table_name, change, column_name, renamed_to, old_type, new_type, first_seen_at, batch_id
              FROM pipeline.source_schema_change ORDER BY change_id DESC LIMIT 10""";

    private StatusQueries() {
    }

    static List<Stage> stages(Connection connection) throws SQLException {
        List<Stage> stages = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(STAGES);
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                OffsetDateTime started = result.getObject(3, OffsetDateTime.class);
                OffsetDateTime finished = result.getObject(4, OffsetDateTime.class);
                stages.add(new Stage(result.getString(1), Optional.ofNullable(result.getString(2)).orElse("none yet"),
                        Formats.time(finished), result.getLong(5), Formats.between(started, finished),
                        result.getInt(6), Optional.ofNullable(result.getString(7)).orElse(""),
                        Formats.time(result.getObject(8, OffsetDateTime.class))));
            }
        }
        return stages;
    }

    static List<Replica> replicas(Connection connection) throws SQLException {
        List<Replica> replicas = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(REPLICAS);
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                replicas.add(new Replica(result.getString(1), result.getBoolean(2),
                        Formats.time(result.getObject(3, OffsetDateTime.class)),
                        Formats.time(result.getObject(4, OffsetDateTime.class)), result.getBoolean(5)));
            }
        }
        return replicas;
    }

    /**
     * A page of the batch log, newest first: the newest batches, those just older than
     * {@code before}, or those just newer than {@code after}.
     */
    static BatchPage batches(Connection connection, String before, String after) throws SQLException {
        List<Batch> batches = new ArrayList<>();
        boolean more;
        PreparedStatement statement;
        if (after != null) {
            statement = connection.prepareStatement(NEWER_BATCHES);
            statement.setString(1, after);
            statement.setInt(2, PAGE_SIZE + 1);
        } else if (before != null) {
            statement = connection.prepareStatement(OLDER_BATCHES);
            statement.setString(1, before);
            statement.setInt(2, PAGE_SIZE + 1);
        } else {
            statement = connection.prepareStatement(NEWEST_BATCHES);
            statement.setInt(1, PAGE_SIZE + 1);
        }
        Map<String, Object[]> extracts = new LinkedHashMap<>();
        try (statement; ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                extracts.put(result.getString(1), new Object[] {result.getString(2), result.getBoolean(3),
                        result.getObject(4, OffsetDateTime.class), result.getObject(5, OffsetDateTime.class),
                        result.getObject(6) == null ? 0L : result.getLong(6)});
            }
        }
        List<String> ids = new ArrayList<>(extracts.keySet());
        more = ids.size() > PAGE_SIZE;
        if (more) {
            ids = ids.subList(0, PAGE_SIZE);
        }
        if (after != null) {
            ids = new ArrayList<>(ids);
            Collections.reverse(ids);
        }
        Map<String, Map<String, Hop>> hops = hops(connection, ids);
        Map<String, Object[]> loads = loads(connection, ids);
        for (String id : ids) {
            Object[] extract = extracts.get(id);
            Map<String, Hop> batchHops = hops.getOrDefault(id, new LinkedHashMap<>());
            if (!batchHops.containsKey("extract") && "PUBLISHED".equals(extract[0])) {
                // a batch from before runs were recorded: its extract as the batch log has it
                batchHops.put("extract", new Hop("extract", (Long) extract[4], "",
                        Formats.between((OffsetDateTime) extract[2], (OffsetDateTime) extract[3]),
                        Formats.time((OffsetDateTime) extract[3])));
            }
            List<Hop> ordered = new ArrayList<>();
            for (String stage : List.of("extract", "transform", "load")) {
                ordered.add(batchHops.getOrDefault(stage, new Hop(stage, 0, "", "", "")));
            }
            Object[] load = loads.get(id);
            batches.add(new Batch(id, ((String) extract[0]).toLowerCase(Locale.ROOT), (Boolean) extract[1],
                    Formats.time((OffsetDateTime) extract[2]), ordered, load == null ? 0 : (Integer) load[0],
                    load == null || "[]".equals(load[1]) ? "" : (String) load[1]));
        }
        boolean newerExists = after != null ? more : before != null;
        boolean olderExists = after != null || more;
        return new BatchPage(batches, newerExists && !batches.isEmpty() ? batches.get(0).id() : null,
                olderExists && !batches.isEmpty() ? batches.get(batches.size() - 1).id() : null);
    }

    private static Map<String, Map<String, Hop>> hops(Connection connection, List<String> ids) throws SQLException {
        Map<String, Map<String, Hop>> hops = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(RUNS_OF_BATCHES)) {
            statement.setArray(1, textArray(connection, ids));
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    OffsetDateTime started = result.getObject(5, OffsetDateTime.class);
                    OffsetDateTime finished = result.getObject(6, OffsetDateTime.class);
                    // the latest run of each stage wins (a replayed batch runs again)
                    hops.computeIfAbsent(result.getString(1), any -> new LinkedHashMap<>()).put(result.getString(2),
                            new Hop(result.getString(2), result.getLong(3), tableRows(result.getString(4)),
                                    Formats.between(started, finished), Formats.time(finished)));
                }
            }
        }
        return hops;
    }

    private static Map<String, Object[]> loads(Connection connection, List<String> ids) throws SQLException {
        Map<String, Object[]> loads = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(LOADS_OF_BATCHES)) {
            statement.setArray(1, textArray(connection, ids));
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    loads.put(result.getString(1), new Object[] {result.getInt(2), result.getString(3)});
                }
            }
        }
        return loads;
    }

    /** {@code {"sales_order": 8, "address": 1}} as {@code sales_order 8, address 1}. */
    private static String tableRows(String json) {
        return json.replaceAll("[{}\"]", "").replace(":", " ").replace(",", ", ").replaceAll("\\s+", " ").trim();
    }

    private static Array textArray(Connection connection, List<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray());
    }

    /** Rows per load batch and the lag over the last day (from the first point in it to now). */
    static Chart chart(Connection connection) throws SQLException {
        OffsetDateTime from;
        OffsetDateTime to;
        try (PreparedStatement statement = connection.prepareStatement(CHART_WINDOW);
                ResultSet result = statement.executeQuery()) {
            result.next();
            from = result.getObject(1, OffsetDateTime.class);
            to = result.getObject(2, OffsetDateTime.class);
        }
        if (from == null) {
            return new Chart(List.of(), "", "0", "", 0, "", Formats.time(to));
        }
        double window = Math.max(1, Duration.between(from, to).toMillis() / 1000.0);
        double slot = Math.max(1, Math.ceil(window / CHART_SLOTS));
        List<double[]> rows = new ArrayList<>();
        int batches = 0;
        try (PreparedStatement statement = connection.prepareStatement(ROWS_PER_SLOT)) {
            statement.setObject(1, from);
            statement.setDouble(2, slot);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(new double[] {seconds(from, result.getObject(1, OffsetDateTime.class)), result.getLong(2),
                            result.getLong(3)});
                    batches += result.getInt(3);
                }
            }
        }
        List<double[]> lags = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(LAG_PER_SLOT)) {
            statement.setObject(1, from);
            statement.setObject(2, from);
            statement.setDouble(3, slot);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    lags.add(new double[] {seconds(from, result.getObject(1, OffsetDateTime.class)),
                            result.getDouble(2)});
                }
            }
        }
        double maxRows = Math.max(1, rows.stream().mapToDouble(point -> point[1]).max().orElse(1));
        double maxLag = Math.max(0.001, lags.stream().mapToDouble(point -> point[1]).max().orElse(0));
        double barWidth = Math.max(1.5, CHART_WIDTH / CHART_SLOTS * 0.8);
        List<Bar> bars = rows.stream().map(point -> {
            double height = point[1] / maxRows * CHART_HEIGHT;
            return new Bar(round(point[0] / window * (CHART_WIDTH - barWidth)), round(CHART_HEIGHT - height),
                    round(barWidth), round(height), String.format(Locale.ROOT, "%d rows in %d batches",
                            (long) point[1], (long) point[2]));
        }).toList();
        StringBuilder line = new StringBuilder();
        for (double[] point : lags) {
            line.append(round(point[0] / window * CHART_WIDTH)).append(',')
                    .append(round(CHART_HEIGHT - point[1] / maxLag * CHART_HEIGHT)).append(' ');
        }
        return new Chart(bars, line.toString().trim(), String.valueOf((long) maxRows),
                lags.isEmpty() ? "" : Formats.seconds(maxLag), batches, Formats.time(from), Formats.time(to));
    }

    private static double seconds(OffsetDateTime from, OffsetDateTime at) {
        return Duration.between(from, at).toMillis() / 1000.0;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    static List<Reconciled> reconciliation(Connection connection) throws SQLException {
        List<Reconciled> tables = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(LATEST_RECONCILIATION);
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                tables.add(new Reconciled(result.getString(1), result.getString(2),
                        Formats.time(result.getObject(3, OffsetDateTime.class)), result.getLong(4), result.getLong(5),
                        result.getLong(6), result.getLong(7), result.getLong(8), result.getLong(9), result.getLong(10),
                        Optional.ofNullable(result.getString(11)).orElse("")));
            }
        }
        return tables;
    }

    static SchemaHolds schemaHolds(Connection connection) throws SQLException {
        List<Hold> held = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(HELD_TABLES);
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                held.add(new Hold(result.getString(1), result.getString(2)));
            }
        }
        List<Change> changes = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(RECENT_SCHEMA_CHANGES);
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                String detail = switch (result.getString(2)) {
                    case "renamed" -> "to " + result.getString(4);
                    case "retyped" -> result.getString(5) + " to " + result.getString(6);
                    case "added" -> Optional.ofNullable(result.getString(6)).orElse("");
                    default -> Optional.ofNullable(result.getString(5)).orElse("");
                };
                changes.add(new Change(result.getString(1), result.getString(2), result.getString(3), detail,
                        Formats.time(result.getObject(7, OffsetDateTime.class)), result.getString(8)));
            }
        }
        return new SchemaHolds(held, changes);
    }
}
