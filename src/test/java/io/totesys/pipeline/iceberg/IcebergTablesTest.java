package io.totesys.pipeline.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeSettings;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.LastUpdatedRange;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.DuckDb;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * The star schema in the lake as Iceberg tables, read the way another engine reads them
 * (Iceberg's JDBC catalog and reader, and DuckDB over the data files a snapshot lists),
 * against the warehouse the same batches loaded: each table's current snapshot holds what the
 * warehouse holds (a dimension's current members, a fact's every version), each batch is
 * one snapshot of each table it changed, and a table read as of an earlier batch's snapshot
 * holds that batch's state.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class IcebergTablesTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    BatchTableCommits commits;

    @Inject
    TableFiles tableFiles;

    @Inject
    ObjectMapper json;

    @Inject
    AgroalDataSource warehousePool;

    @Inject
    LakeSettings lakeSettings;

    @Inject
    IcebergSettings icebergSettings;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String warehouseUrl;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource warehouse = world.databases().warehouse();
    @RegisterExtension
    final IcebergTables tables = new IcebergTables(world);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void eachTableHoldsWhatTheWarehouseHoldsBatchByBatchAndAsOfEachBatch() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 27);
        simulator.seed(0.05);
        DatabaseServer.execute(world.totesysOwner(), "INSERT INTO currency VALUES (99, 'CHF', now(), now())");
        PipelineStages.runEach(producer);
        Map<WarehouseTable, List<String>> afterFirst = new EnumMap<>(WarehouseTable.class);
        for (WarehouseTable table : WarehouseTable.values()) {
            afterFirst.put(table, IcebergTables.warehouseRows(warehouse, table));
        }
        IcebergTables.assertEqualTheWarehouse(world);

        for (int change = 0; change < 60; change++) {
            simulator.change();
        }
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = 'Renamed', last_updated = now() WHERE staff_id = 1",
                "DELETE FROM currency WHERE currency_id = 99");
        PipelineStages.runEach(producer);
        IcebergTables.assertEqualTheWarehouse(world);
        assertThat(tables.rows(WarehouseTable.DIM_CURRENCY)).as("a deleted member is no longer current")
                .noneMatch(row -> row.startsWith("99|"));
        assertThat(tables.deletions(WarehouseTable.DIM_CURRENCY)).as("the deleted member, in dim_currency_deletion")
                .singleElement().asString().startsWith("99|");
        assertThat(tables.rows(WarehouseTable.DIM_STAFF)).anyMatch(row -> row.startsWith("1|Renamed|"));

        List<String> batches = SqlRows.of(warehouse, "SELECT batch_id FROM pipeline.load_batch ORDER BY batch_id")
                .stream().map(row -> row.substring(1, row.length() - 1)).toList();
        assertThat(batches).as("two batches loaded").hasSize(2);
        for (WarehouseTable table : WarehouseTable.values()) {
            assertThat(tables.batches(table)).as("%s: one snapshot per batch that changed it", table.tableName())
                    .doesNotHaveDuplicates().isSubsetOf(batches).startsWith(batches.get(0));
        }
        assertThat(tables.batches(WarehouseTable.DIM_STAFF)).containsExactlyElementsOf(batches);
        assertThat(tables.history(WarehouseTable.DIM_STAFF))
                .extracting(snapshot -> snapshot.summary().get("totesys.high-water"))
                .as("each snapshot says up to when ToteSys's changes are in it, as the load log does")
                .containsExactlyElementsOf(SqlRows.of(warehouse, "SELECT to_char(high_water, "
                        + "'YYYY-MM-DD HH24:MI:SS.MS') FROM pipeline.load_batch").stream()
                        .map(row -> row.substring(2, row.length() - 2)).toList()); // ("2026-12-07 14:02:03.123")
        assertThat(tables.batches(WarehouseTable.DIM_CURRENCY)).containsExactlyElementsOf(batches);
        for (WarehouseTable fact : List.of(WarehouseTable.FACT_SALES_ORDER, WarehouseTable.FACT_PAYMENT)) {
            long added = tables.history(fact).stream()
                    .mapToLong(snapshot -> Long.parseLong(snapshot.summary().get("added-records"))).sum();
            assertThat(added).as("%s: every version appended once", fact.tableName())
                    .isEqualTo(SqlRows.count(warehouse, "SELECT count(*) FROM " + fact.tableName()));
        }

        for (WarehouseTable table : List.of(WarehouseTable.DIM_STAFF, WarehouseTable.DIM_CURRENCY,
                WarehouseTable.FACT_SALES_ORDER, WarehouseTable.FACT_PAYMENT)) {
            Snapshot first = tables.history(table).get(0);
            assertThat(tables.rows(table, first.snapshotId())).as("%s as of the first batch", table.tableName())
                    .isEqualTo(afterFirst.get(table));
        }

        int payment = Integer.parseInt(DatabaseServer.column(world.totesysOwner(),
                "SELECT max(payment_id) FROM payment").get(0));
        DatabaseServer.execute(world.totesysOwner(), "DELETE FROM payment WHERE payment_id = " + payment);
        await("the deleted payment in the warehouse").atMost(Duration.ofSeconds(30)).until(() -> {
            PipelineStages.runEach(producer); // a delete is found once ToteSys's statistics count it
            return SqlRows.count(warehouse,
                    "SELECT count(*) FROM fact_payment_deletion WHERE payment_id = " + payment) == 1;
        });
        IcebergTables.assertEqualTheWarehouse(world);
        assertThat(tables.deletions(WarehouseTable.FACT_PAYMENT)).as("the deleted payment, in fact_payment_deletion")
                .singleElement().asString().startsWith(payment + "|");
        assertThat(tables.rows(WarehouseTable.FACT_PAYMENT)).as("a fact's history keeps the deleted payment")
                .anyMatch(row -> row.startsWith(payment + "|"));
    }

    /**
     * A batch that reads a fact's source table whole again (an operator's {@code reextract})
     * brings every version the table holds already: the table appends none of them, as the
     * warehouse does not. A version that ToteSys edits back to an earlier one's exact values
     * (an edit that leaves {@code last_updated} alone, twice), read in such a batch, is a new
     * current version, in both.
     */
    @Test
    void aFactReadWholeAgainHoldsEachVersionOnceAndAnEditedBackVersionAgain() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 31).seed(0.02);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = 1");
        PipelineStages.runEach(producer);
        long versions = SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order");

        DatabaseServer.execute(warehouse, "INSERT INTO pipeline.replay_request (table_name) VALUES ('sales_order')");
        try (CapturedLog log = CapturedLog.of(BatchTableCommits.class)) {
            PipelineStages.runEach(producer);
            assertThat(log.lines()).as("the commit says why it appends less than the batch brings")
                    .anyMatch(line -> line.contains("fact_sales_order holds " + versions + " of the versions"));
        }
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order")).isEqualTo(versions);
        IcebergTables.assertEqualTheWarehouse(world);

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1000 WHERE sales_order_id = 2");
        PipelineStages.runEach(producer);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold - 1000 WHERE sales_order_id = 2");
        DatabaseServer.execute(warehouse, "INSERT INTO pipeline.replay_request (table_name) VALUES ('sales_order')");
        PipelineStages.runEach(producer); // the edit back, in a batch that reads sales_order whole again
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order WHERE sales_order_id = 2"))
                .as("the first version, the edit and the edit back").isEqualTo(3);
        IcebergTables.assertEqualTheWarehouse(world);
    }

    /**
     * A statement that rewrites rows without changing them (an {@code UPDATE} to the same
     * values, as an {@code ALTER COLUMN ... TYPE} does to a whole table) gives them new
     * transaction ids, and an incremental batch brings them again: the fact's table appends
     * them once, as the warehouse does. A batch of real changes is appended without a row of it
     * read, though the first batch's file holds rows of every day up to today at every time of
     * day (its bounds hold the changes' day and times): its rows were last updated after every
     * version the table held.
     */
    @Test
    void factVersionsRewrittenWithoutAChangeAreHeldOnceAndRealChangesAreNotLookedFor() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 37).seed(0.02);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() - interval '1 second' "
                        + "WHERE sales_order_id = 6");
        PipelineStages.runEach(producer);
        long versions = SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order");

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold WHERE sales_order_id <= 3");
        try (CapturedLog log = CapturedLog.of(BatchTableCommits.class)) {
            PipelineStages.runEach(producer);
            assertThat(log.lines()).as("the rewritten rows, brought again by an incremental batch")
                    .anyMatch(line -> line.contains("fact_sales_order holds 3 of the versions"));
        }
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order")).isEqualTo(versions);
        IcebergTables.assertEqualTheWarehouse(world);

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id <= 5");
        PipelineStages.runEach(producer);
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order")).isEqualTo(versions + 5);
        IcebergTables.assertEqualTheWarehouse(world);
        Table facts = tables.table(WarehouseTable.FACT_SALES_ORDER);
        Snapshot changes = facts.currentSnapshot();
        List<DataFile> parts = new ArrayList<>();
        changes.addedDataFiles(facts.io()).forEach(parts::add);
        LocalDateTime heldUpTo = FactVersions.heldUpTo(facts, facts.snapshot(changes.parentId()));
        assertThat(parts).as("the batch of real changes' part").singleElement()
                .satisfies(part -> assertThat(FactVersions.mayHoldAVersion(
                        LastUpdatedRange.of(tableFiles.footer(tableFiles.key(part.location()))), heldUpTo))
                        .as("a row of it may be a version held up to " + heldUpTo).isFalse());
        assertThat(LocalDateTime.parse(tables.history(WarehouseTable.FACT_SALES_ORDER).get(0).summary()
                .get(BatchSummary.LAST_UPDATED))).as("the latest version the first batch brought, sales order 6")
                .isEqualTo(LocalDateTime.parse(DatabaseServer.column(world.totesysOwner(), "SELECT to_char("
                        + "last_updated, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') FROM sales_order WHERE sales_order_id = 6")
                        .get(0)));

        // Another writer's snapshot says nothing of the versions held: the files' bounds stand in, no earlier
        // (the first version read them from a scan without its files' statistics, found none, and never said it again).
        facts.newAppend().commit();
        LocalDateTime fromBounds = FactVersions.heldUpTo(facts, facts.currentSnapshot());
        assertThat(fromBounds).as("the latest version held, as the files' bounds give it")
                .isAfterOrEqualTo(LocalDateTime.parse(changes.summary().get(BatchSummary.LAST_UPDATED)));
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold WHERE sales_order_id <= 2",
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = 7");
        PipelineStages.runEach(producer);
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order")).isEqualTo(versions + 6);
        IcebergTables.assertEqualTheWarehouse(world);
        facts.refresh();
        assertThat(facts.currentSnapshot().summary()).as("the next commit's summary says it again")
                .containsKey(BatchSummary.LAST_UPDATED);
        assertThat(LocalDateTime.parse(facts.currentSnapshot().summary().get(BatchSummary.LAST_UPDATED)))
                .isAfterOrEqualTo(fromBounds);
    }

    @Test
    void theDataFilesASnapshotListsAreTheTable() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 28);
        simulator.seed(0.05);
        PipelineStages.runEach(producer);
        for (int change = 0; change < 40; change++) {
            simulator.change();
        }
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE address SET phone = '0000 000000', last_updated = now() WHERE address_id IN (1, 2, 3)");
        PipelineStages.runEach(producer);

        for (WarehouseTable table : List.of(WarehouseTable.DIM_LOCATION, WarehouseTable.FACT_SALES_ORDER)) {
            List<String> keys = tables.dataFileKeys(table);
            Path folder = DuckDb.download(world.s3(), EmbeddedWorld.PROCESSED_BUCKET, keys);
            String columns = String.join(", ", table.columnNames());
            List<String> duckDb = DuckDb.query("SELECT " + columns + " FROM " + DuckDb.parquet(folder)).stream()
                    .sorted().toList();
            assertThat(keys(duckDb)).as("%s: the keys of its data files' rows, read by DuckDB", table.tableName())
                    .isEqualTo(keys(IcebergTables.warehouseRows(warehouse, table)));
            if (table == WarehouseTable.DIM_LOCATION) {
                assertThat(duckDb).as("text columns read alike").isEqualTo(tables.rows(table));
            }
        }
    }

    /** The first value of each row, sorted: the dimension's member or the fact's source row. */
    private static List<String> keys(List<String> rows) {
        return rows.stream().map(row -> row.substring(0, row.indexOf('|'))).sorted().toList();
    }

    @Test
    void aDimensionsDataFileLostFromTheLakeLeavesItsTableAndTheBatchesGoOn() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 29).seed(0.02);
        PipelineStages.runEach(producer);
        List<String> locations = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET)
                .tableParts(WarehouseTable.DIM_LOCATION.tableName());
        assertThat(locations).hasSize(1);
        world.s3().deleteObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(locations.get(0)));

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE address SET phone = '0000 000001', last_updated = now() WHERE address_id = 1");
        try (CapturedLog log = CapturedLog.of(BatchTableCommits.class)) {
            PipelineStages.runEach(producer);
            assertThat(log.lines()).anyMatch(line -> line.contains(locations.get(0) + ", which is missing")
                    && line.contains("reextract"));
        }
        assertThat(tables.rows(WarehouseTable.DIM_LOCATION)).as("the member the batch brought, and only it")
                .hasSize(1).allMatch(row -> row.startsWith("1|") && row.endsWith("|0000 000001"));
    }

    @Test
    void aBatchTwoRunsCommitAtOnceIsOneSnapshotOfEachTable() throws Exception {
        committedAtOnce(commits);
    }

    /**
     * Two replicas, each with its own catalog and its own locks, commit the same batch at once,
     * as a leader that lost its lease while its commits went on would beside the new one: the
     * tables' own check (no data added since the commit looked) stops the second.
     */
    @Test
    void aBatchTwoReplicasCommitAtOnceIsOneSnapshotOfEachTable() throws Exception {
        StarSchemaCatalog otherCatalog = new StarSchemaCatalog(warehousePool, lakeSettings, icebergSettings,
                warehouseUrl);
        try {
            committedAtOnce(new BatchTableCommits(otherCatalog, tableFiles, json));
        } finally {
            otherCatalog.close();
        }
    }

    /** A batch whose commits failed, then committed twice at once: by {@link #commits} and by {@code second}. */
    private void committedAtOnce(BatchTableCommits second) throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 30).seed(0.02);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        IcebergTables.withTheCatalogRefusingCommits(world, () -> assertThat(BatchFailure.of(producer.send(
                PipelineStage.TRANSFORM.endpointUri(), exchange -> {
                }))).as("the catalog refusing them, the commits fail").isNotNull());
        LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
        BatchManifest manifest = json.readValue(processed.read(processed.keys("input/_manifests/").get(0)),
                BatchManifest.class);
        // what the run that failed and the run after it both hold: the footers and keys read back
        BatchFiles batch = new BatchFiles(new BatchId(manifest.batchId()), "0a1b2c", tableFiles::footer,
                tableFiles::keys, LakeLayout.INPUT, OptionalLong.empty(), manifest.highWater());

        ExecutorService runs = Executors.newFixedThreadPool(2);
        try {
            for (WarehouseTable table : List.of(WarehouseTable.DIM_LOCATION, WarehouseTable.FACT_SALES_ORDER)) {
                List<BatchManifest.Entry> parts = manifest.objects().stream()
                        .filter(entry -> entry.table().equals(table.tableName())).toList();
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<?>> both = new ArrayList<>();
                for (BatchTableCommits run : List.of(commits, second)) {
                    both.add(runs.submit(() -> {
                        together.await();
                        run.commit(batch, LakeTable.of(table), parts, List.of());
                        return null;
                    }));
                }
                for (Future<?> commit : both) {
                    commit.get(60, TimeUnit.SECONDS);
                }
                assertThat(tables.batches(table)).as("%s: one snapshot of the batch", table.tableName())
                        .containsExactly(manifest.batchId());
            }
        } finally {
            runs.shutdownNow();
        }
    }
}
