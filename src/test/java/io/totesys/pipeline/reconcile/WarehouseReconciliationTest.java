package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.CarriedColumns;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.AddedColumns;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
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
 * Issue 25 point 3, its last part: reconciliation also compares what users query, the
 * warehouse's {@code *_current} views, with what ToteSys says they must hold, per warehouse
 * table. Rows changed in the warehouse by hand (a dimension row updated, a fact's current
 * version deleted, a fact's only version deleted, a stray row inserted) are each found and
 * counted for their table, repaired through the repair batch, and the views then equal ToteSys
 * again, while every earlier version of a fact stays in its table.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class WarehouseReconciliationTest {

    private static final int STRAY_DESIGN = 900_000;

    /** The current views: one per warehouse table but {@code dim_date}. */
    private static final int VIEWS = WarehouseTable.values().length - 1;

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    CarriedColumns carried;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private ExtractRuns runs;

    /** What a run found of one warehouse table's current view. */
    record Found(long missing, long extra, long changed) {
    }

    @BeforeEach
    void aSmallToteSysThroughThePipeline() {
        runs = new ExtractRuns(producer, json, ingest);
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 7).seed(0.01);
        throughThePipeline();
    }

    @Test
    void handEditsOfTheWarehouseAreFoundPerTableAndRepairedKeepingFactHistory() {
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1 WHERE sales_order_id = 1");
        runs.run().orElseThrow();
        try (CapturedLog log = CapturedLog.of(Reconciliations.class)) {
            assertThat(reconcile()).as("no repair while a batch waits for the load").isEmpty();
            assertThat(lastRunOfTheWarehouse()).as("the views are not compared").isEmpty();
            assertThat(log.lines()).anyMatch(line -> line.contains(
                    "the warehouse's current views were not compared: 1 published batch is not loaded yet"));
        }
        throughTransformAndLoad();
        List<String> historyBefore = factVersions();
        assertThat(historyBefore).as("two versions of sales order 1 through the pipeline").hasSize(
                (int) SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order") + 1);
        int payment = (int) SqlRows.count(world.totesysOwner(), "SELECT min(payment_id) FROM payment");
        editByHand("UPDATE dim_staff SET last_name = 'Edited by hand' WHERE staff_id = 1",
                "DELETE FROM fact_sales_order WHERE sales_record_id = "
                        + "(SELECT max(sales_record_id) FROM fact_sales_order WHERE sales_order_id = 1)",
                "DELETE FROM fact_payment WHERE payment_id = " + payment,
                "INSERT INTO dim_design (design_id, design_name, file_location, file_name, batch_id) "
                        + "SELECT " + STRAY_DESIGN
                        + ", 'Stray', '/nowhere', 'stray.json', max(batch_id) FROM dim_design");

        BatchManifest repair = reconcile().orElseThrow(() -> new AssertionError("no repair batch"));

        Map<String, Found> found = lastRunOfTheWarehouse();
        assertThat(found.keySet()).as("every table with a current view")
                .containsExactlyInAnyOrderElementsOf(WarehouseTable.tableNames().stream()
                        .filter(table -> !table.equals("dim_date")).toList());
        assertThat(found.get("dim_staff")).isEqualTo(new Found(0, 0, 1));
        assertThat(found.get("fact_sales_order")).isEqualTo(new Found(0, 0, 1));
        assertThat(found.get("fact_payment")).isEqualTo(new Found(1, 0, 0));
        assertThat(found.get("dim_design")).isEqualTo(new Found(0, 1, 0));
        found.forEach((table, row) -> {
            if (!List.of("dim_staff", "fact_sales_order", "fact_payment", "dim_design").contains(table)) {
                assertThat(row).as(table).isEqualTo(new Found(0, 0, 0));
            }
        });
        assertThat(runs.ids(repair, "staff")).containsExactly(1);
        assertThat(runs.ids(repair, "sales_order")).containsExactly(1);
        assertThat(runs.ids(repair, "payment")).containsExactly(payment);
        assertThat(runs.deletedIds(repair, "design")).containsExactly(STRAY_DESIGN);

        throughTransformAndLoad();

        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName())
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        assertThat(factVersions()).as("every earlier version of a fact stays").containsAll(historyBefore);
        assertThat(SqlRows.column(world.databases().warehouse(),
                "SELECT batch_id FROM fact_sales_order_current WHERE sales_order_id = 1"))
                .as("the repaired version, traceable to its batch").containsExactly(repair.batchId());
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
        assertThat(lastRunOfTheWarehouse().values()).allSatisfy(row -> assertThat(row).isEqualTo(new Found(0, 0, 0)));
    }

    /**
     * Issue 26: a run compares a current view only when either server changed it since a run
     * found it equal. Once nothing changes, a run reads no view on either server; a hand edit of
     * one dimension, once the warehouse's statistics count it, makes the next run compare that
     * view, find the edit and repair it, and leave the others unread.
     */
    @Test
    void viewsNeitherServerChangedAreNotReadAndAHandEditIsFoundOnceCounted() {
        DataSource warehouseStatistics = world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE);
        String viewScans = "SELECT sum(seq_scan + coalesce(idx_scan, 0)) FROM pg_stat_user_tables "
                + "WHERE relname = 'fact_sales_order'";
        Awaitility.await("a run that reads no view").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    assertThat(reconcile()).isEmpty();
                    return viewsNotRead().size() == VIEWS;
                });
        long scansBefore = SqlRows.count(warehouseStatistics, viewScans);
        assertThat(reconcile()).isEmpty();
        assertThat(viewsNotRead()).as("views not read by a run after no change").hasSize(VIEWS);
        assertThat(SqlRows.count(warehouseStatistics, viewScans)).as("scans of fact_sales_order meanwhile")
                .isEqualTo(scansBefore);

        editByHand("UPDATE dim_staff SET last_name = 'Edited by hand' WHERE staff_id = 2");
        BatchManifest repair = reconcile().orElseThrow(() -> new AssertionError("no repair batch"));

        assertThat(lastRunOfTheWarehouse().get("dim_staff")).isEqualTo(new Found(0, 0, 1));
        assertThat(viewsNotRead()).as("the views neither server changed").hasSize(VIEWS - 1)
                .doesNotContain("dim_staff");
        assertThat(runs.ids(repair, "staff")).containsExactly(2);
        throughTransformAndLoad();
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
    }

    /**
     * Columns an operator added ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS}) are compared where the
     * view shows them: a fact's view is made again after the operator's migration and shows it,
     * a dimension's is not and does not, and neither stops the comparison.
     */
    @Test
    void anAddedColumnIsComparedWhereTheViewShowsIt() {
        AddedColumns added = AddedColumns.parse(Optional.of("sales_order.note text; design.note text"));
        try {
            DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE sales_order ADD COLUMN note text",
                    "ALTER TABLE design ADD COLUMN note text",
                    "UPDATE sales_order SET note = 'rush' WHERE sales_order_id = 1",
                    "UPDATE design SET note = 'draft' WHERE design_id = 1");
            DatabaseServer.execute(world.databases().warehouse(),
                    "ALTER TABLE fact_sales_order ADD COLUMN note text", "ALTER TABLE dim_design ADD COLUMN note text",
                    "SELECT pipeline.refresh_current_views()");
            WarehouseTable.configure(added);
            carried.carry(added.sourceColumns());
            throughThePipeline();
            assertThat(reconcile()).as("every row read again, its checksum covering the column now").isPresent();
            throughTransformAndLoad();
            assertThat(reconcile()).as("the views agree, the column compared where the view shows it").isEmpty();
            assertThat(lastRunOfTheWarehouse()).hasSize(10)
                    .allSatisfy((table, row) -> assertThat(row).as(table).isEqualTo(new Found(0, 0, 0)));

            editByHand("UPDATE fact_sales_order SET note = 'by hand' WHERE sales_record_id = "
                    + "(SELECT max(sales_record_id) FROM fact_sales_order WHERE sales_order_id = 2)",
                    "UPDATE dim_design SET note = 'by hand' WHERE design_id = 2");
            BatchManifest repair = reconcile().orElseThrow(() -> new AssertionError("no repair batch"));

            assertThat(lastRunOfTheWarehouse().get("fact_sales_order")).isEqualTo(new Found(0, 0, 1));
            assertThat(lastRunOfTheWarehouse().get("dim_design")).as("a column its view does not show")
                    .isEqualTo(new Found(0, 0, 0));
            assertThat(runs.ids(repair, "sales_order")).containsExactly(2);
            throughTransformAndLoad();
            assertThat(SqlRows.column(world.databases().warehouse(),
                    "SELECT coalesce(note, '-') FROM fact_sales_order_current WHERE sales_order_id IN (1, 2) "
                            + "ORDER BY sales_order_id"))
                    .containsExactly("rush", "-");
            assertThat(reconcile()).as("nothing left to repair").isEmpty();
        } finally {
            WarehouseTable.configure(AddedColumns.NONE);
            carried.carry(Map.of());
            ToteSysFixture.reset(world);
            DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE sales_order DROP COLUMN IF EXISTS note",
                    "ALTER TABLE design DROP COLUMN IF EXISTS note");
            DatabaseServer.execute(world.databases().warehouse(),
                    "DROP VIEW IF EXISTS fact_sales_order_current",
                    "ALTER TABLE fact_sales_order DROP COLUMN IF EXISTS note",
                    "SELECT pipeline.refresh_current_views()",
                    "ALTER TABLE dim_design DROP COLUMN IF EXISTS note");
        }
    }

    private void throughThePipeline() {
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        throughTransformAndLoad();
    }

    private void throughTransformAndLoad() {
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    /**
     * Edits the warehouse by hand, and waits until its statistics count the edit: a run does
     * not compare a view again while neither server's counters moved since it found the view
     * equal ({@code ViewsFoundEqual}), and a session reports its counts up to a second late, so
     * a run started at once may find the edit only at the next run.
     */
    private void editByHand(String... statements) {
        String counted = "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables "
                + "WHERE schemaname = 'public'";
        long before = SqlRows.count(world.databases().warehouse(), counted);
        DatabaseServer.execute(world.databases().warehouse(), statements);
        Awaitility.await().atMost(Duration.ofSeconds(15))
                .until(() -> SqlRows.count(world.databases().warehouse(), counted) > before);
    }

    /** Every version the fact tables hold, by their source columns (not the warehouse's own keys or batches). */
    private List<String> factVersions() {
        return SqlRows.of(world.databases().warehouse(), "SELECT "
                + String.join(", ", WarehouseTable.FACT_SALES_ORDER.columnNames()) + " FROM fact_sales_order");
    }

    /** Runs the reconciliation route as if the interval had passed; returns the repair batch's manifest, if any. */
    private Optional<BatchManifest> reconcile() {
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'",
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '1 day'");
        return runs.runThrough(Reconciliations.ENDPOINT).map(ExtractRuns.Published::manifest);
    }

    /** The warehouse tables whose current views the latest run did not read, as unchanged since found equal. */
    private List<String> viewsNotRead() {
        return SqlRows.column(world.databases().warehouse(), """
                SELECT table_name FROM pipeline.reconcile_run
                 WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)
                   AND compared_with = 'warehouse' AND not_read""");
    }

    /** What the latest run recorded of each warehouse table. */
    private Map<String, Found> lastRunOfTheWarehouse() {
        Map<String, Found> found = new LinkedHashMap<>();
        SqlRows.of(world.databases().warehouse(), """
                SELECT table_name, missing, extra, changed FROM pipeline.reconcile_run
                 WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)
                   AND (table_name LIKE 'dim\\_%' OR table_name LIKE 'fact\\_%')""").forEach(line -> {
            String[] values = line.substring(1, line.length() - 1).split(",");
            found.put(values[0], new Found(Long.parseLong(values[1]), Long.parseLong(values[2]),
                    Long.parseLong(values[3])));
        });
        return found;
    }
}
