package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.stage.BatchIds;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.LateDimensionRow;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * End to end against the real servers: simulated ToteSys, extract, transform, load. The
 * warehouse is compared row for row with the star schema computed from ToteSys with SQL.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class WarehouseLoadTest {

    @Inject
    ProducerTemplate producer;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource warehouse = world.databases().warehouse();

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void theWarehouseEqualsTheStarSchemaComputedFromToteSys() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 31);
        simulator.seed(0.05);
        runPipeline();
        for (int change = 0; change < 60; change++) {
            simulator.change();
        }
        runPipeline();

        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(warehouseRows(table)).as(table.tableName())
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        IcebergTables.assertEqualTheWarehouse(world);
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_payment"))
                .as("payments that turned paid keep their unpaid version")
                .isGreaterThan(SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM payment"));
        assertThat(new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET).keys("input/")).isEmpty();
    }

    @Test
    void factsKeepEveryVersionAndTheCurrentViewsShowTheLatest() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 32);
        simulator.seed(0.01);
        runPipeline();
        int paymentId = simulator.unpaidPayments(1).get(0);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = 12345, last_updated = now() WHERE sales_order_id = 7");
        simulator.markPaid(paymentId);
        runPipeline();

        assertThat(SqlRows.of(warehouse, "SELECT units_sold FROM fact_sales_order WHERE sales_order_id = 7"))
                .hasSize(2).contains("(12345)");
        assertThat(SqlRows.of(warehouse, "SELECT units_sold FROM fact_sales_order_current WHERE sales_order_id = 7"))
                .containsExactly("(12345)");
        assertThat(SqlRows.of(warehouse, "SELECT paid FROM fact_payment WHERE payment_id = " + paymentId))
                .containsExactly("(f)", "(t)");
        assertThat(SqlRows.of(warehouse, "SELECT paid FROM fact_payment_current WHERE payment_id = " + paymentId))
                .containsExactly("(t)");
    }

    @Test
    void aFactThatArrivesBeforeItsDimensionRowGetsAnInferredRowUntilTheRealOneComes() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 36).seed(0.01);
        runPipeline();
        LateDimensionRow.load(world, producer);
        assertThat(SqlRows.of(warehouse, "SELECT first_name, last_name FROM dim_staff WHERE staff_id = 99"))
                .containsExactly("(Unknown,Unknown)");

        DatabaseServer.execute(world.totesysOwner(), "UPDATE staff SET last_updated = now() WHERE staff_id = 99");
        runPipeline();
        assertThat(SqlRows.of(warehouse, "SELECT last_name FROM dim_staff WHERE staff_id = 99"))
                .containsExactly("(Late)");
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM dim_staff WHERE first_name = 'Unknown'")).isZero();
    }

    /**
     * Issue 12, point 5: a version that arrives later is the current one, even with an older
     * stamp (a writer with a skewed clock, a late commit): facts, dimensions and the joins
     * behind them order versions by the batch that brought them.
     */
    @Test
    void aLaterVersionWithAnOlderStampIsTheCurrentOne() {
        new ToteSysSimulator(world.totesysOwner(), 37).seed(0.01);
        runPipeline();
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = 4242, last_updated = '2001-01-01 00:00:00' "
                        + "WHERE sales_order_id = 1",
                "UPDATE address SET phone = '0000 000001', last_updated = '2001-01-01 00:00:00' WHERE address_id = 1",
                "UPDATE department SET department_name = 'Skewed' WHERE department_id = 1");
        runPipeline();

        assertThat(SqlRows.of(warehouse, "SELECT units_sold FROM fact_sales_order_current WHERE sales_order_id = 1"))
                .containsExactly("(4242)");
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order WHERE sales_order_id = 1"))
                .as("both versions in the history").isEqualTo(2);
        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(warehouseRows(table)).as(table.tableName())
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
    }

    /**
     * Issue 24, point 2: batch order never depends on the wall clock. A batch that starts on a
     * clock 60 s behind the one before it (a failover to a replica whose clock is behind, an NTP
     * step back) still sorts after it, so the versions it brings are the current ones, not those
     * they replaced; the step is said once, in a WARN line.
     */
    @Test
    void aBatchStartedOnAClockBehindTheLastOneBringsTheCurrentVersions() {
        new ToteSysSimulator(world.totesysOwner(), 67).seed(0.01);
        runPipeline();
        long updatesBefore = updatesOfStaffAndPayment();
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = 'Stepped', last_updated = now() WHERE staff_id = 1",
                "UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id = 1");
        // the updates' statistics counters, which a poll reads to skip unchanged tables, may be reported a moment
        // after the commit; a clock stepped back also puts off the settling that covers that moment
        await("both updates counted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> updatesOfStaffAndPayment() >= updatesBefore + 2);
        String paid = SqlRows.text(world.totesysOwner(), "SELECT paid::text FROM payment WHERE payment_id = 1");

        QuarkusMock.installMockForType(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-60)), Clock.class);
        List<String> warnings;
        try (CapturedLog log = CapturedLog.of(BatchIds.class)) {
            runPipeline();
            warnings = log.lines().stream().filter(line -> line.startsWith("WARN")).toList();
        }

        List<String> batches = SqlRows.column(warehouse,
                "SELECT batch_id FROM pipeline.extract_batch ORDER BY started_at");
        assertThat(batches).as("extract batches, as started").hasSize(2);
        BatchId first = new BatchId(batches.get(0));
        BatchId second = new BatchId(batches.get(1));
        assertThat(second).as("the batch started on the clock behind").isGreaterThan(first);
        assertThat(second.instant()).isEqualTo(first.instant().plusMillis(1));
        assertThat(SqlRows.column(warehouse, "SELECT batch_id FROM pipeline.load_batch ORDER BY batch_id"))
                .as("loaded").isEqualTo(batches);
        assertThat(SqlRows.column(warehouse, "SELECT first_name FROM dim_staff_current WHERE staff_id = 1"))
                .containsExactly("Stepped");
        assertThat(SqlRows.column(warehouse,
                "SELECT paid::text || ' ' || batch_id FROM fact_payment_current WHERE payment_id = 1"))
                .containsExactly(paid + " " + second);
        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(warehouseRows(table)).as(table.tableName())
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        assertThat(warnings).singleElement().asString()
                .matches("WARN The clock \\(.+\\) is \\d+\\.\\d{3} s behind the last batch id " + first + " .+");
        double behind = Double.parseDouble(warnings.get(0).replaceAll(".* is (\\S+) s behind .*", "$1"));
        assertThat(behind).as("seconds behind the first batch's id, less the time between the batches").isPositive()
                .isLessThanOrEqualTo(60.0);
        System.out.printf("[clock] batch %s started on a clock 60 s behind (%.3f s behind batch %s's id): sorts and "
                + "loads after it; dim_staff_current and fact_payment_current show its versions, all 11 tables equal "
                + "ToteSys%n", second, behind, first);
    }

    @Test
    void replaysAndOverlappingWindowsChangeNothing() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 33).seed(0.01);
        runPipeline();
        Map<WarehouseTable, List<String>> loaded = snapshot();

        // Replay: the loaded Parquet batch back under input/
        LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
        for (String key : processed.keys("processed/")) {
            world.s3().copyObject(request -> request.sourceBucket(EmbeddedWorld.PROCESSED_BUCKET).sourceKey(key)
                    .destinationBucket(EmbeddedWorld.PROCESSED_BUCKET)
                    .destinationKey("input/" + key.substring("processed/".length())));
        }
        PipelineStages.run(producer, PipelineStage.LOAD);
        assertThat(snapshot()).isEqualTo(loaded);

        // Overlapping windows: the extractor forgets where it was and extracts every row again
        DatabaseServer.execute(warehouse, "TRUNCATE pipeline.extract_watermark");
        runPipeline();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.load_batch")).isEqualTo(2);
        assertThat(snapshot()).isEqualTo(loaded);
    }

    @Test
    void foreignKeysAreDeclaredAndEveryReferencedDateIsInTheCalendar() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 34).seed(0.01);
        runPipeline();

        // Every fact column that names a dimension row or a day: 9 of fact_sales_order,
        // 8 of fact_purchase_order, 7 of fact_payment.
        assertThat(SqlRows.of(warehouse, """
                SELECT k.table_name, k.column_name, u.table_name
                  FROM information_schema.key_column_usage k
                  JOIN information_schema.referential_constraints r USING (constraint_schema, constraint_name)
                  JOIN information_schema.constraint_column_usage u
                    ON u.constraint_schema = r.unique_constraint_schema
                   AND u.constraint_name = r.unique_constraint_name
                 WHERE k.table_schema = 'public'""")).hasSize(24).contains(
                "(fact_sales_order,sales_staff_id,dim_staff)",
                "(fact_sales_order,agreed_delivery_location_id,dim_location)",
                "(fact_purchase_order,agreed_payment_date,dim_date)",
                "(fact_payment,transaction_id,dim_transaction)",
                "(fact_payment,payment_type_id,dim_payment_type)",
                "(fact_payment,counterparty_id,dim_counterparty)",
                "(fact_sales_order,currency_id,dim_currency)",
                "(fact_sales_order,design_id,dim_design)");
        assertThat(SqlRows.count(warehouse, """
                SELECT count(*) FROM dim_date
                HAVING count(*) = max(date_id) - min(date_id) + 1""")).as("a contiguous calendar").isPositive();
    }

    @Test
    void theWarehouseDeclaresTheColumnsOfTheStarSchemaCatalogue() {
        PipelineStages.run(producer, PipelineStage.LOAD);
        for (WarehouseTable table : WarehouseTable.values()) {
            List<String> declared = SqlRows.of(warehouse, """
                    SELECT ordinal_position, column_name FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name = '%s'
                       AND column_name NOT IN ('sales_record_id', 'purchase_record_id', 'payment_record_id',
                                               'batch_id')"""
                    .formatted(table.tableName()))
                    .stream().sorted(java.util.Comparator.comparingInt(row -> Integer.parseInt(
                            row.substring(1, row.indexOf(',')))))
                    .map(row -> row.substring(row.indexOf(',') + 1, row.length() - 1)).toList();
            assertThat(declared).as(table.tableName()).isEqualTo(table.columnNames());
        }
    }

    @Test
    void theAnalyticalQueriesRunAgainstTheWarehouse() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 35).seed(0.02);
        runPipeline();

        for (String file : List.of("sales_by_month_and_currency", "top_designs", "sales_by_staff_location",
                "payments_outstanding")) {
            String query = Files.readString(Path.of("sql", file + ".sql")).strip().replaceAll(";$", "");
            assertThat(SqlRows.of(warehouse, query)).as(file).isNotEmpty();
        }
        assertThat(SqlRows.of(warehouse, Files.readString(Path.of("sql", "top_designs.sql")).strip()
                .replaceAll(";$", ""))).hasSizeLessThanOrEqualTo(10);
    }

    private long updatesOfStaffAndPayment() {
        return SqlRows.count(world.totesysOwner(),
                "SELECT sum(n_tup_upd) FROM pg_stat_user_tables WHERE relname IN ('staff', 'payment')");
    }

    private void runPipeline() {
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    private List<String> warehouseRows(WarehouseTable table) {
        return StarSchemaFromToteSys.warehouseRows(warehouse, table);
    }

    /**
     * Every table: facts whole, with every version and the batch that brought it; dimensions by
     * their values (their batch_id names the latest batch that wrote the row, and moves on
     * with a batch that brings the same values again).
     */
    private Map<WarehouseTable, List<String>> snapshot() {
        Map<WarehouseTable, List<String>> rows = new java.util.EnumMap<>(WarehouseTable.class);
        for (WarehouseTable table : WarehouseTable.values()) {
            String columns = table.isFact() ? "*" : String.join(", ", table.columnNames());
            rows.put(table, SqlRows.of(warehouse, "SELECT " + columns + " FROM " + table.tableName()));
        }
        return rows;
    }
}
