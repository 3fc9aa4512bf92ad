package io.totesys.pipeline.warehouse;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionFactoryConfiguration;
import io.totesys.pipeline.stage.WarehouseOwnerSettings;

/**
 * Connections as the role that owns the star schema's tables, the only one PostgreSQL lets
 * drop and add their foreign keys: the owner role ({@code WAREHOUSE_OWNER_USERNAME}) when one
 * is configured, otherwise the runtime role, which then owns the tables it migrated.
 */
@ApplicationScoped
public class StarSchemaOwner {

    private final AgroalDataSource warehouse;
    private final WarehouseOwnerSettings owner;

    StarSchemaOwner(AgroalDataSource warehouse, WarehouseOwnerSettings owner) {
        this.warehouse = warehouse;
        this.owner = owner;
    }

    /** A new connection as the owning role; the caller closes it. */
    Connection connect() throws SQLException {
        AgroalConnectionFactoryConfiguration runtime = warehouse.getConfiguration().connectionPoolConfiguration()
                .connectionFactoryConfiguration();
        if (owner.username().isEmpty() || runtime.principal() == null
                || owner.username().get().equals(runtime.principal().getName())) {
            return warehouse.getConnection();
        }
        // The pool's own connection properties (connect timeout, TLS settings), then the owner's login.
        Properties properties = new Properties();
        properties.putAll(runtime.jdbcProperties());
        properties.setProperty("user", owner.username().get());
        owner.password().ifPresent(password -> properties.setProperty("password", password));
        return DriverManager.getConnection(runtime.jdbcUrl(), properties);
    }
}
