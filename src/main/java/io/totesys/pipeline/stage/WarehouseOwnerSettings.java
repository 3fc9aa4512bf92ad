package io.totesys.pipeline.stage;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * The role that owns the warehouse's schemas and runs their migrations, when it is not the
 * role the service runs as: {@code etl.warehouse.owner.*}. Unset, the runtime role
 * ({@code WAREHOUSE_USERNAME}) does both.
 */
@ConfigMapping(prefix = "etl.warehouse.owner")
public interface WarehouseOwnerSettings {

    /** {@code WAREHOUSE_OWNER_USERNAME}: owns the schemas, runs the migrations, grants the runtime role its rights. */
    Optional<String> username();

    /** {@code WAREHOUSE_OWNER_PASSWORD}. */
    Optional<String> password();
}
