package io.totesys.pipeline.status;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.totesys.pipeline.status.StatusView.Batch;
import io.totesys.pipeline.status.StatusView.BatchPage;
import io.totesys.pipeline.status.StatusView.Change;
import io.totesys.pipeline.status.StatusView.Hold;
import io.totesys.pipeline.status.StatusView.Hop;
import io.totesys.pipeline.status.StatusView.Reconciled;
import io.totesys.pipeline.status.StatusView.Replica;
import io.totesys.pipeline.status.StatusView.SchemaHolds;
import io.totesys.pipeline.status.StatusView.Stage;
import io.totesys.pipeline.status.StatusView.UnderWay;

/**
 * The status page's reads of the pipeline schema. Each is an indexed lookup or a bounded
 * range, so that the page stays fast with a long batch log: the batch log pages by batch id
 * (keyset, on its primary key), the runs of a page's batches come by batch id, each stage's
 * latest run and the last day's runs by stage and time.
 */
final class StatusQueries {

    /** Batches on a page of the batch log. */
    static final int PAGE_SIZE = 20;

    private static final String STAGES = """
            SELECT s.stage, r.batch_id, r.started_at, r.finished_at, r.row_count,
                   coalesce(st.failures_in_a_row, 0), st.last_failure, st.next_attempt_at
              FROM (VALUES ('extract', 1), ('transform', 2), ('load', 3)) AS s (stage, position)
              LEFT JOIN LATERAL (SELECT * FROM pipeline.stage_run r WHERE r.stage = s.stage
                                  ORDER BY r.finished_at DESC LIMIT 1) r ON true
              LEFT JOIN pipeline.stage_state st ON st.stage = s.stage
             ORDER BY s.position""";
    private static final String UNDER_WAY = """
            SELECT stage, batch_id, table_name, rows_done, bytes_done, extract(epoch FROM now() - started_at)
              FROM pipeline.batch_progress WHERE updated_at > now() - make_interval(secs => ?)
             ORDER BY started_at, table_name LIMIT 50""";
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
    private static final String LATEST_RECONCILIATION = """
            SELECT run_id, CASE compared_with WHEN 'warehouse' THEN table_name || '_current' ELSE table_name END,
                   finished_at, compared, pending, missing, extra, changed, adopted, repaired, repair_batch_id,
                   not_read
              FROM pipeline.reconcile_run
             WHERE run_id = (SELECT run_id FROM pipeline.reconcile_run WHERE finished_at IS NOT NULL
                              ORDER BY started_at DESC LIMIT 1)
             ORDER BY compared_with, table_name""";
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

    /**
     * The tables the stages are working on now, with the rows and bytes done so far
     * ({@code ProgressBoard}); a row not brought up to date within {@code fresh} seconds belongs
     * to a process that stopped and is left out.
     */
    static List<UnderWay> underWay(Connection connection, long fresh) throws SQLException {
        List<UnderWay> tables = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(UNDER_WAY)) {
            statement.setLong(1, fresh);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    tables.add(new UnderWay(result.getString(1), result.getString(2), result.getString(3),
                            String.format(Locale.ROOT, "%,d", result.getLong(4)),
                            String.format(Locale.ROOT, "%.1f MiB", result.getLong(5) / (1024.0 * 1024.0)),
                            Formats.seconds(result.getDouble(6))));
                }
            }
        }
        return tables;
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

    static List<Reconciled> reconciliation(Connection connection) throws SQLException {
        List<Reconciled> tables = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(LATEST_RECONCILIATION);
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                tables.add(new Reconciled(result.getString(1), result.getString(2),
                        Formats.time(result.getObject(3, OffsetDateTime.class)), result.getLong(4), result.getLong(5),
                        result.getLong(6), result.getLong(7), result.getLong(8), result.getLong(9), result.getLong(10),
                        Optional.ofNullable(result.getString(11)).orElse(""), result.getBoolean(12)));
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
