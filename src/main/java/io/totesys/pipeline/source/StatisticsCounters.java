package io.totesys.pipeline.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * What PostgreSQL's cumulative statistics say was written to ToteSys so far, read by any role
 * before a batch's snapshot: per table, the row versions inserted, updated and deleted
 * ({@code pg_stat_get_tuples_*}) and the file that holds them, and for the whole database the same three, the time its
 * statistics were last reset and the server's start. The counters count a transaction once it
 * has ended, committed or not, and only when its session reports them: at once, or a second
 * later on PostgreSQL 15, ten seconds later for the last writes of a burst, at the end of a
 * procedure that commits as it goes (docs/architecture.md#what-a-poll-costs). So an unchanged
 * counter never proves a table unchanged: a table skipped for it keeps its read horizon, and a
 * late counter only delays its rows.
 *
 * @param trusted whether every session's writes are counted ({@link #COUNTERS_TRUSTED})
 * @param tables each table's counters; a table whose figures are missing is absent
 * @param database the database's counters, reset time and the server's start
 */
public record StatisticsCounters(boolean trusted, Map<SourceTable, Table> tables, Database database) {

    /**
     * Whether every session's writes are counted, on any PostgreSQL server: this session counts,
     * and no role or database has a setting of {@code track_counts} that could turn it off for
     * some sessions.
     */
    public static final String COUNTERS_TRUSTED = """
            current_setting('track_counts')::boolean
               AND NOT EXISTS (SELECT 1 FROM pg_db_role_setting s CROSS JOIN unnest(s.setconfig) AS c (setting)
                                WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database
                                                             WHERE datname = current_database()))
                                  AND lower(c.setting) LIKE 'track\\_counts=%')""";

    /** Every figure in one statement: one row per catalogue table, the database's on each. */
    private static final String QUERY = "SELECT " + COUNTERS_TRUSTED + """
            , t.name, pg_stat_get_tuples_inserted(t.relation), pg_stat_get_tuples_updated(t.relation),
                   pg_stat_get_tuples_deleted(t.relation), pg_relation_filenode(t.relation)::bigint,
                   pg_stat_get_db_tuples_inserted(d.oid),
                   pg_stat_get_db_tuples_updated(d.oid), pg_stat_get_db_tuples_deleted(d.oid),
                   pg_stat_get_db_stat_reset_time(d.oid)::text, pg_postmaster_start_time()::text
              FROM (SELECT name, to_regclass(name) AS relation FROM unnest(?::text[]) AS name) t
             CROSS JOIN (SELECT oid FROM pg_database WHERE datname = current_database()) d""";

    /**
     * A table's row versions inserted, updated and deleted so far, and the file that holds its
     * rows: {@code TRUNCATE} counts no deleted row versions but gives the table a new file (so do
     * {@code VACUUM FULL} and {@code CLUSTER}, which then cost one read more).
     */
    public record Table(long inserted, long updated, long deleted, long file) {

        /** What moves when rows are deleted: the deleted row versions, and the file {@code TRUNCATE} replaces. */
        public Deletions deletions() {
            return new Deletions(deleted, file);
        }
    }

    /** A table's deleted row versions so far and the file that holds its rows. */
    public record Deletions(long deleted, long file) {
    }

    /** The database's row versions inserted, updated and deleted, and what a reset or a restart changes. */
    public record Database(long inserted, long updated, long deleted, String statisticsReset, String serverStart) {
    }

    /** Reads the counters, outside any snapshot: each statement sees them as they are then. */
    static StatisticsCounters read(Connection connection) throws SQLException {
        Map<SourceTable, Table> tables = new EnumMap<>(SourceTable.class);
        boolean trusted = true;
        Database database = null;
        try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
            statement.setArray(1, connection.createArrayOf("text",
                    Arrays.stream(SourceTable.values()).map(SourceTable::qualifiedName).toArray()));
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    trusted &= row.getBoolean(1);
                    String name = row.getString(2);
                    Long inserted = (Long) row.getObject(3);
                    Long updated = (Long) row.getObject(4);
                    Long deleted = (Long) row.getObject(5);
                    Long file = (Long) row.getObject(6);
                    if (inserted != null && updated != null && deleted != null && file != null) {
                        for (SourceTable table : SourceTable.values()) {
                            if (table.qualifiedName().equals(name)) {
                                tables.put(table, new Table(inserted, updated, deleted, file));
                            }
                        }
                    }
                    database = new Database(row.getLong(7), row.getLong(8), row.getLong(9), row.getString(10),
                            row.getString(11));
                }
            }
        }
        return new StatisticsCounters(trusted, tables, database);
    }

    /** A table's counters, empty when the server keeps none for it or they cannot be trusted. */
    public Optional<Table> of(SourceTable table) {
        return trusted ? Optional.ofNullable(tables.get(table)) : Optional.empty();
    }
}
