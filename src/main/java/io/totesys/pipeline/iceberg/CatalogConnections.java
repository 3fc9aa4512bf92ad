package io.totesys.pipeline.iceberg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.iceberg.jdbc.JdbcClientPool;

/**
 * The Iceberg catalog's connections: borrowed from the warehouse's pool for each catalog
 * call, with the catalog's schema first on the search path while Iceberg uses them (its SQL
 * names its tables without a schema), instead of a pool of Iceberg's own that would keep
 * connections open and need the credentials again.
 */
final class CatalogConnections extends JdbcClientPool {

    /** The schema the catalog's tables are in (V27__iceberg_catalog.sql). */
    static final String CATALOG_SCHEMA = "iceberg_catalog";

    private final DataSource warehouse;

    CatalogConnections(DataSource warehouse, String url, Map<String, String> properties) {
        super(1, url, properties);
        this.warehouse = warehouse;
    }

    @Override
    public <R> R run(Action<R, Connection, SQLException> action, boolean retry) throws SQLException {
        try (Connection connection = warehouse.getConnection()) {
            String searchPath = setting(connection, "search_path", CATALOG_SCHEMA);
            try {
                return action.run(connection);
            } finally {
                setting(connection, "search_path", searchPath);
            }
        }
    }

    /** Sets a setting of the session, and says what it was. */
    private static String setting(Connection connection, String name, String value) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT before, set_config(?, ?, false) FROM (SELECT current_setting(?) AS before OFFSET 0) AS earlier")) {
            statement.setString(1, name);
            statement.setString(2, value);
            statement.setString(3, name);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getString(1);
            }
        }
    }

    @Override
    protected Connection newClient() {
        throw new UnsupportedOperationException("the Iceberg catalog borrows the warehouse's connections");
    }
}
