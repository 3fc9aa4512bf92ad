package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Two warehouse roles, as a DBA sets them up: an owner that runs the migrations, and a
 * runtime role the service runs as, given nothing in the warehouse database beforehand
 * (PUBLIC's default rights revoked). The service migrates as the owner, grants the runtime
 * role what the stages need, and loads as the runtime role, which can create nothing.
 */
class WarehouseRolesIT {

    private static final String RUNTIME = "warehouse_runtime";
    private static final String RUNTIME_PASSWORD = "warehouse-runtime-secret";

    @Test
    void theOwnerMigratesAndTheRuntimeRoleLoadsWithOnlyTheRightsItNeeds() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "roles-world-");
        try (EmbeddedWorld world = EmbeddedWorld.start(directory, 0, 0)) {
            DatabaseServer databases = world.databases();
            DatabaseServer.execute(databases.superuser(DatabaseServer.WAREHOUSE_DATABASE),
                    "CREATE ROLE " + RUNTIME + " LOGIN PASSWORD '" + RUNTIME_PASSWORD + "'",
                    "ALTER SCHEMA public OWNER TO " + DatabaseServer.WAREHOUSE_USER,
                    "REVOKE ALL ON DATABASE " + DatabaseServer.WAREHOUSE_DATABASE + " FROM PUBLIC",
                    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                    "GRANT CONNECT ON DATABASE " + DatabaseServer.WAREHOUSE_DATABASE + " TO " + RUNTIME);
            new ToteSysSimulator(world.totesysOwner(), 11).seed(0.01);

            Map<String, String> environment = world.runOnceEnvironment();
            environment.put("WAREHOUSE_OWNER_USERNAME", DatabaseServer.WAREHOUSE_USER);
            environment.put("WAREHOUSE_OWNER_PASSWORD", DatabaseServer.WAREHOUSE_PASSWORD);
            environment.put("WAREHOUSE_USERNAME", RUNTIME);
            environment.put("WAREHOUSE_PASSWORD", RUNTIME_PASSWORD);
            PipelineService service = PipelineService.start(environment, directory.resolve("service.log"));

            assertThat(service.awaitExit(Duration.ofMinutes(2))).as("exit code; output:%n%s", service.output())
                    .isZero();
            assertThat(service.output()).doesNotContain(RUNTIME_PASSWORD, DatabaseServer.WAREHOUSE_PASSWORD);
            for (WarehouseTable table : List.of(WarehouseTable.FACT_SALES_ORDER, WarehouseTable.FACT_PAYMENT,
                    WarehouseTable.DIM_STAFF)) {
                assertThat(StarSchemaFromToteSys.warehouseRows(databases.warehouse(), table)).as(table.tableName())
                        .containsExactlyInAnyOrderElementsOf(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
            }
            assertThat(SqlRows.of(databases.warehouse(), """
                    SELECT has_database_privilege('%1$s', current_database(), 'CREATE') AS in_database,
                           has_schema_privilege('%1$s', 'public', 'CREATE') AS in_public,
                           has_schema_privilege('%1$s', 'pipeline', 'CREATE') AS in_pipeline,
                           (SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'pipeline')
                                                             AND tableowner = '%1$s') AS owned
                    """.formatted(RUNTIME))).as("what the runtime role may create or owns")
                    .containsExactly("(f,f,f,0)");
        }
    }
}
