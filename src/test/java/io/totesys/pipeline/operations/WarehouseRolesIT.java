package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

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
    /** Every fact column that names a dimension row or a day. */
    private static final int FOREIGN_KEYS = 24;
    /** A row whose definition would drop a table as the owner, were the text run. */
    private static final String CRAFTED_ROW = """
            INSERT INTO pipeline.suspended_foreign_key (table_name, constraint_name, definition, batch_id)
            VALUES ('fact_payment', 'crafted', 'FOREIGN KEY (currency_id) REFERENCES public.dim_currency(currency_id); '
                    || 'DROP TABLE public.injection_canary; ALTER ROLE warehouse_runtime SUPERUSER', 'crafted')""";

    @Test
    void theOwnerMigratesAndTheRuntimeRoleLoadsWithOnlyTheRightsItNeeds() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "roles-world-");
        try (EmbeddedWorld world = EmbeddedWorld.start(directory, 0, 0)) {
            DatabaseServer databases = world.databases();
            createRuntimeRole(databases);
            new ToteSysSimulator(world.totesysOwner(), 11).seed(0.01);

            PipelineService service = PipelineService.start(environment(world, Map.of()),
                    directory.resolve("service.log"));

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

    /**
     * Issue 25, point 5: the owner adds back the foreign keys a bulk batch dropped, from what
     * {@code pipeline.suspended_foreign_key} records; the runtime role may read that table and
     * not write it, and a row it wrote under an earlier release, crafted to run SQL as the owner,
     * runs nothing. Bulk batches still drop and restore the keys, as the owner.
     */
    @Test
    void theRuntimeRoleCannotWriteWhatTheOwnerRestoresAndACraftedRowRunsNothing() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "roles-world-");
        try (EmbeddedWorld world = EmbeddedWorld.start(directory, 0, 0)) {
            DatabaseServer databases = world.databases();
            DataSource warehouse = databases.warehouse();
            createRuntimeRole(databases);
            new ToteSysSimulator(world.totesysOwner(), 12).seed(0.01);
            // The first batch is a bulk batch: its foreign keys are dropped and added back by the owner
            Map<String, String> bulk = environment(world, Map.of("ETL_LOAD_BULK_ROWS", "1"));
            PipelineService first = PipelineService.start(bulk, directory.resolve("first.log"));
            assertThat(first.awaitExit(Duration.ofMinutes(2))).as("exit code; output:%n%s", first.output()).isZero();
            assertThat(first.output()).contains("loaded in bulk: " + FOREIGN_KEYS + " foreign keys added again");
            assertThat(validForeignKeys(warehouse)).isEqualTo(FOREIGN_KEYS);

            DataSource runtime = databases.dataSource(DatabaseServer.WAREHOUSE_DATABASE, RUNTIME, RUNTIME_PASSWORD);
            for (String write : List.of(CRAFTED_ROW, "UPDATE pipeline.suspended_foreign_key SET definition = ''",
                    "DELETE FROM pipeline.suspended_foreign_key", "TRUNCATE pipeline.suspended_foreign_key")) {
                assertThatThrownBy(() -> DatabaseServer.execute(runtime, write)).as(write)
                        .hasRootCauseInstanceOf(SQLException.class)
                        .hasMessageContaining("permission denied for table suspended_foreign_key");
            }
            assertThat(SqlRows.count(runtime, "SELECT count(*) FROM pipeline.suspended_foreign_key")).isZero();

            // As a runtime role could write it under an earlier release; the canary is the owner's, as its tables are
            DatabaseServer.execute(warehouse, "CREATE TABLE public.injection_canary (id integer)", CRAFTED_ROW);
            DatabaseServer.execute(world.totesysOwner(),
                    "UPDATE payment SET payment_amount = 77, last_updated = now() WHERE payment_id = 1");
            PipelineService second = PipelineService.start(bulk, directory.resolve("second.log"));
            assertThat(second.awaitExit(Duration.ofMinutes(2))).as("exit code; output:%n%s", second.output())
                    .isZero();

            assertThat(second.output().lines().filter(line -> line.contains("WARN")
                    && line.contains("pipeline.suspended_foreign_key holds fact_payment.crafted,")))
                    .as("one line naming the crafted row").hasSize(1);
            assertThat(second.output()).doesNotContain("Added back 0");
            assertThat(SqlRows.of(warehouse, """
                    SELECT to_regclass('public.injection_canary') IS NOT NULL AS canary_kept,
                           (SELECT rolsuper FROM pg_roles WHERE rolname = '%s') AS runtime_superuser
                    """.formatted(RUNTIME))).as("what the crafted definition would have done")
                    .containsExactly("(t,f)");
            assertThat(validForeignKeys(warehouse)).isEqualTo(FOREIGN_KEYS);
            assertThat(SqlRows.of(warehouse, "SELECT payment_amount FROM fact_payment_current WHERE payment_id = 1"))
                    .containsExactly("(77.00)");
        }
    }

    /** The runtime role, given nothing in the warehouse database but to connect. */
    private static void createRuntimeRole(DatabaseServer databases) {
        DatabaseServer.execute(databases.superuser(DatabaseServer.WAREHOUSE_DATABASE),
                "CREATE ROLE " + RUNTIME + " LOGIN PASSWORD '" + RUNTIME_PASSWORD + "'",
                "ALTER SCHEMA public OWNER TO " + DatabaseServer.WAREHOUSE_USER,
                "REVOKE ALL ON DATABASE " + DatabaseServer.WAREHOUSE_DATABASE + " FROM PUBLIC",
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                "GRANT CONNECT ON DATABASE " + DatabaseServer.WAREHOUSE_DATABASE + " TO " + RUNTIME);
    }

    /** The service's settings: the owner migrates, the runtime role runs; then the changes. */
    private static Map<String, String> environment(EmbeddedWorld world, Map<String, String> changes) {
        Map<String, String> environment = world.runOnceEnvironment();
        environment.put("WAREHOUSE_OWNER_USERNAME", DatabaseServer.WAREHOUSE_USER);
        environment.put("WAREHOUSE_OWNER_PASSWORD", DatabaseServer.WAREHOUSE_PASSWORD);
        environment.put("WAREHOUSE_USERNAME", RUNTIME);
        environment.put("WAREHOUSE_PASSWORD", RUNTIME_PASSWORD);
        environment.putAll(changes);
        return environment;
    }

    /** The validated foreign keys of the star schema. */
    private static long validForeignKeys(DataSource warehouse) {
        return SqlRows.count(warehouse, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated "
                + "AND connamespace = 'public'::regnamespace");
    }
}
