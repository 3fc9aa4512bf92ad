package io.totesys.pipeline.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.totesys.pipeline.world.DatabaseServer;

/** Rows of a query as PostgreSQL renders them ({@code (1,abc,,2.50)}), sorted: comparable across databases. */
public final class SqlRows {

    private SqlRows() {
    }

    public static List<String> of(DataSource dataSource, String query) {
        List<String> rows = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT row_values::text FROM (" + query
                        + ") AS row_values ORDER BY 1")) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + e.getMessage() + "\n" + query, e);
        }
    }

    /** The first column of a query's rows as text, in the query's order. */
    public static List<String> column(DataSource dataSource, String query) {
        return DatabaseServer.column(dataSource, query);
    }

    /** The first column of a query's first row, as text. */
    public static String text(DataSource dataSource, String query) {
        return first(dataSource, query, result -> result.getString(1));
    }

    public static long count(DataSource dataSource, String query) {
        return first(dataSource, query, result -> result.getLong(1));
    }

    private interface Column<T> {
        T read(ResultSet result) throws SQLException;
    }

    private static <T> T first(DataSource dataSource, String query, Column<T> column) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            result.next();
            return column.read(result);
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + e.getMessage() + "\n" + query, e);
        }
    }

    /** Runs a statement on a connection the caller holds, in its transaction. */
    public static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
