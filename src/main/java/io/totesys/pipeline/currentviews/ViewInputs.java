package io.totesys.pipeline.currentviews;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.totesys.pipeline.source.StatisticsCounters;

/**
 * What the warehouse's current views read, as PostgreSQL's statistics say it stands: per view,
 * every relation it reads (its table and the table's deletions, through any view between them,
 * found in {@code pg_depend}), each with the row versions inserted, updated and deleted so far,
 * its file ({@code TRUNCATE} replaces it) and, for a view, its definition; with the time the
 * warehouse's statistics were last reset and its server's start. Read before the comparison's
 * snapshot, so that a write the comparison did not see moves them afterwards, once its session
 * reports it. Empty when the counters cannot be trusted to count every session's writes.
 */
final class ViewInputs {

    private static final String QUERY = """
            WITH RECURSIVE relation (view_name, relation) AS (
                SELECT name, to_regclass(name)::oid FROM unnest(?::text[]) AS name
              UNION
                SELECT relation.view_name, d.refobjid
                  FROM relation
                  JOIN pg_catalog.pg_rewrite r ON r.ev_class = relation.relation
                  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                                             AND d.refclassid = 'pg_catalog.pg_class'::regclass
                                             AND d.refobjid <> relation.relation)
            SELECT relation.view_name,
                   string_agg(concat_ws(' ', c.oid, pg_stat_get_tuples_inserted(c.oid),
                                        pg_stat_get_tuples_updated(c.oid), pg_stat_get_tuples_deleted(c.oid),
                                        pg_relation_filenode(c.oid),
                                        CASE WHEN c.relkind = 'v' THEN md5(pg_get_viewdef(c.oid)) END),
                              ', ' ORDER BY c.oid)
                   || '; ' || concat_ws(' ', pg_stat_get_db_stat_reset_time(d.oid), pg_postmaster_start_time()),
                   bool_and(%s)
              FROM relation
              JOIN pg_catalog.pg_class c ON c.oid = relation.relation
             CROSS JOIN (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) d
             GROUP BY relation.view_name, d.oid""".formatted(StatisticsCounters.COUNTERS_TRUSTED);

    private final Map<String, String> inputs;

    private ViewInputs(Map<String, String> inputs) {
        this.inputs = inputs;
    }

    /** Reads what the views read, outside any snapshot. */
    static ViewInputs read(Connection connection, List<CurrentView> views) throws SQLException {
        Map<String, String> inputs = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
            statement.setArray(1, connection.createArrayOf("text",
                    views.stream().map(CurrentView::viewName).toArray()));
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    if (row.getBoolean(3)) {
                        inputs.put(row.getString(1), row.getString(2));
                    }
                }
            }
        }
        return new ViewInputs(inputs);
    }

    /** What a view reads, as one text that changes whenever any of it does; empty when not to be trusted. */
    Optional<String> of(CurrentView view) {
        return Optional.ofNullable(inputs.get(view.viewName()));
    }
}
