package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * What an operator adds to the warehouse beyond the pipeline's own schemas: their own
 * migrations, which {@link PipelineSchema} applies after the pipeline's, and the check that
 * the migrated warehouse holds what the service's settings say it does.
 */
public interface WarehouseExtension {

    /** The folder of the operator's migrations, if they have any. */
    Optional<String> migrations();

    /**
     * Checks the migrated warehouse, through a connection of the runtime role.
     *
     * @throws RuntimeException a typed one, whose message names the setting and says what to do
     */
    void check(Connection warehouse) throws SQLException;
}
