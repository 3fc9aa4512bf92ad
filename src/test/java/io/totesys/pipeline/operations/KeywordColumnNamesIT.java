package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Issue 25, point 6, against the packaged service: ToteSys adds columns named for SQL keywords
 * ({@code sales_order."order"}, {@code design."user"}) and one named as the batch's id is
 * aliased in the load's SQL ({@code payment.id}); the operator carries them into the star schema
 * with {@code ETL_STAR_SCHEMA_ADDED_COLUMNS}, and their values reach the warehouse through the
 * first batch (into empty tables) and the next (new fact versions, dimension updates), the
 * facts' current views included.
 */
class KeywordColumnNamesIT {

    private static final String MIGRATION = """
            ALTER TABLE public.fact_sales_order ADD COLUMN "order" text;
            ALTER TABLE public.dim_design ADD COLUMN "user" text;
            ALTER TABLE public.fact_payment ADD COLUMN id integer;
            """;

    @Test
    void columnsNamedForSqlKeywordsAreCarriedLikeAnyOther() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "keyword-world-");
        try (EmbeddedWorld world = EmbeddedWorld.start(directory, 0, 0)) {
            DataSource totesys = world.totesysOwner();
            DataSource warehouse = world.databases().warehouse();
            new ToteSysSimulator(totesys, 25).seed(0.01);
            DatabaseServer.execute(totesys, "ALTER TABLE sales_order ADD COLUMN \"order\" text",
                    "ALTER TABLE design ADD COLUMN \"user\" text", "ALTER TABLE payment ADD COLUMN id integer",
                    "UPDATE sales_order SET \"order\" = 'first ' || sales_order_id, last_updated = now() "
                            + "WHERE sales_order_id <= 3",
                    "UPDATE design SET \"user\" = 'designer ' || design_id, last_updated = now() WHERE design_id = 1",
                    "UPDATE payment SET id = 1000 + payment_id, last_updated = now() WHERE payment_id <= 2");
            Path migrations = Files.createDirectory(directory.resolve("warehouse-migrations"));
            Files.writeString(migrations.resolve("V1__keyword_columns.sql"), MIGRATION);
            Map<String, String> environment = world.runOnceEnvironment();
            environment.put("ETL_STAR_SCHEMA_ADDED_COLUMNS", "sales_order.order text; design.user text; "
                    + "payment.id integer");
            environment.put("ETL_STAR_SCHEMA_MIGRATIONS", migrations.toString());

            runOnce(environment, directory.resolve("first.log"));
            assertThat(SqlRows.column(warehouse, "SELECT sales_order_id || ' ' || \"order\" FROM fact_sales_order "
                    + "WHERE \"order\" IS NOT NULL ORDER BY sales_order_id"))
                    .containsExactly("1 first 1", "2 first 2", "3 first 3");
            assertThat(SqlRows.column(warehouse, "SELECT design_id || ' ' || \"user\" FROM dim_design "
                    + "WHERE \"user\" IS NOT NULL")).containsExactly("1 designer 1");
            assertThat(SqlRows.column(warehouse, "SELECT payment_id || ' ' || id FROM fact_payment "
                    + "WHERE id IS NOT NULL ORDER BY payment_id")).containsExactly("1 1001", "2 1002");

            DatabaseServer.execute(totesys,
                    "UPDATE sales_order SET \"order\" = 'second', last_updated = now() WHERE sales_order_id = 1",
                    "UPDATE design SET \"user\" = 'another', last_updated = now() WHERE design_id = 1",
                    "UPDATE payment SET id = 2001, last_updated = now() WHERE payment_id = 1");
            runOnce(environment, directory.resolve("second.log"));

            assertThat(SqlRows.column(warehouse, "SELECT coalesce(\"order\", 'NULL') FROM fact_sales_order "
                    + "WHERE sales_order_id = 1 ORDER BY sales_record_id")).as("every version of sales order 1")
                    .containsExactly("first 1", "second");
            assertThat(SqlRows.column(warehouse, "SELECT \"order\" FROM fact_sales_order_current "
                    + "WHERE sales_order_id = 1")).containsExactly("second");
            assertThat(SqlRows.column(warehouse, "SELECT \"user\" FROM dim_design WHERE design_id = 1"))
                    .containsExactly("another");
            assertThat(SqlRows.column(warehouse, "SELECT id::text FROM fact_payment_current WHERE payment_id = 1"))
                    .containsExactly("2001");
        }
    }

    private static void runOnce(Map<String, String> environment, Path log) {
        PipelineService service = PipelineService.start(environment, log);
        assertThat(service.awaitExit(Duration.ofMinutes(2))).as("exit code; output:%n%s", service.output()).isZero();
    }
}
