package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * The warehouse grows with ToteSys (issue 16, point 3), against the packaged service reading
 * ToteSys as a SELECT-only role: ToteSys adds {@code sales_order.discount_percent}, the
 * operator writes a warehouse migration and sets {@code ETL_STAR_SCHEMA_ADDED_COLUMNS}, no
 * release, and the edited order's discount reaches {@code fact_sales_order} as a new version
 * while the earlier version keeps NULL.
 */
class AddedColumnIT {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    /** The operator's migration, as docs/operations.md shows it. */
    private static final String MIGRATION = "ALTER TABLE public.fact_sales_order ADD COLUMN discount_percent numeric(5,2);\n";

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void seedToteSys() {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 16).seed(0.01);
    }

    /**
     * Puts sales_order back as docs/architecture.md#source-schema has it. The warehouse keeps the operator's column and
     * their migration's history: a nullable column the other tests neither write nor read.
     */
    @AfterEach
    void restoreToteSys() {
        ToteSysFixture.reset(world);
        DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE sales_order DROP COLUMN IF EXISTS discount_percent");
    }

    @Test
    void anOperatorCarriesAColumnToteSysAddedIntoTheStarSchemaWithoutARelease() throws Exception {
        runOnce(Map.of());
        assertThat(salesOrderOneDiscounts()).containsExactly("NULL");

        DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE sales_order ADD COLUMN discount_percent numeric(5,2)",
                "UPDATE sales_order SET discount_percent = 12.5, last_updated = now() WHERE sales_order_id = 1");
        Path migrations = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "warehouse-migrations-");
        Files.writeString(migrations.resolve("V1__fact_sales_order_discount_percent.sql"), MIGRATION);
        Map<String, String> grown = Map.of("ETL_STAR_SCHEMA_ADDED_COLUMNS", "sales_order.discount_percent numeric(5,2)",
                "ETL_STAR_SCHEMA_MIGRATIONS", migrations.toString());
        runOnce(grown);

        assertThat(salesOrderOneDiscounts()).as("the earlier version keeps NULL, the edit carries its discount")
                .containsExactly("NULL", "12.50");
        assertThat(SqlRows.column(warehouse(), "SELECT discount_percent::text FROM fact_sales_order_current "
                + "WHERE sales_order_id = 1")).containsExactly("12.50");
        assertThat(SqlRows.column(warehouse(), "SELECT count(*) FROM fact_sales_order WHERE sales_order_id <> 1 "
                + "GROUP BY sales_order_id HAVING count(*) > 1")).as("no other order gained a version").isEmpty();
        assertThat(SqlRows.column(warehouse(), "SELECT version || ' ' || description || ' ' || success "
                + "FROM pipeline.operator_schema_history WHERE type = 'SQL'"))
                .containsExactly("1 fact sales order discount percent true");
        assertThat(parquetColumns("fact_sales_order").get(14).toString())
                .isEqualTo("{\"name\":\"discount_percent\",\"type\":\"numeric(5,2)\"}");

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET discount_percent = 7.25, last_updated = now() WHERE sales_order_id = 1");
        runOnce(grown);
        assertThat(salesOrderOneDiscounts()).as("fact history compares versions with the column")
                .containsExactly("NULL", "12.50", "7.25");
        // The lake's fact_sales_order compares versions the same way: its files from before the column hold none.
        IcebergTables.assertEqualTheWarehouse(world);
    }

    private void runOnce(Map<String, String> changes) throws IOException {
        Map<String, String> environment = world.runOnceEnvironment();
        environment.putAll(changes);
        Instant started = Instant.now();
        PipelineService service = PipelineService.start(environment,
                Files.createTempFile(Path.of("target"), "added-column-", ".log"));
        int exitCode = service.awaitExit(RUN_TIMEOUT);
        assertThat(exitCode).as("exit code; output:%n%s", service.output()).isZero();
        System.out.printf("[added-column] run-once %s exited %d after %.1f s%n", changes.keySet(), exitCode,
                Duration.between(started, Instant.now()).toMillis() / 1000.0);
    }

    /** Sales order 1's versions in the warehouse, oldest first: their discount, or NULL. */
    private List<String> salesOrderOneDiscounts() {
        String discount = SqlRows.column(warehouse(),
                "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                        + "'fact_sales_order' AND column_name = 'discount_percent'")
                .get(0).equals("1")
                        ? "coalesce(discount_percent::text, 'NULL')"
                        : "'NULL'";
        return SqlRows.column(warehouse(), "SELECT " + discount + " FROM fact_sales_order WHERE sales_order_id = 1 "
                + "ORDER BY sales_record_id");
    }

    /** The columns the newest Parquet manifest records for a table. */
    private List<JsonNode> parquetColumns(String table) throws IOException {
        String manifest = processed.keys("").stream().filter(key -> key.contains("/_manifests/")).sorted()
                .reduce((first, second) -> second).orElseThrow();
        for (JsonNode schema : json.readTree(processed.read(manifest)).get("schemas")) {
            if (schema.get("table").asText().equals(table)) {
                List<JsonNode> columns = new ArrayList<>();
                schema.get("columns").forEach(columns::add);
                return columns;
            }
        }
        throw new AssertionError(manifest + " records no schema of " + table);
    }

    private DataSource warehouse() {
        return world.databases().warehouse();
    }
}
