package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.FreshChanges;
import io.totesys.pipeline.testing.IcebergTables;
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
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * An operator's replays, asked for as {@code pipeline.replay_request} rows, as the runbook in
 * docs/reliability.md says: an older batch replayed after newer ones rolls no dimension and
 * no current fact back and doubles no fact version; a quarantined object, fixed, arrives
 * when its batch is replayed; a table whose object was lost for good, extracted again whole,
 * leaves the warehouse equal to ToteSys, and extracting it again adds no version. Requests that
 * name no table of the catalogue or no batch the lake holds are closed with the reason.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ReplayTest {

    private static final List<String> FACTS = List.of("fact_sales_order", "fact_purchase_order", "fact_payment");

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource warehouse = world.databases().warehouse();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void anOlderBatchReplayedAfterNewerOnesRollsNothingBack() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 53);
        simulator.seed(0.01);
        runAllStages();
        String first = SqlRows.column(warehouse, "SELECT batch_id FROM pipeline.load_batch").get(0);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = 'Renamed', last_updated = now() WHERE staff_id = 1",
                "UPDATE address SET city = 'Replayville', last_updated = now() WHERE address_id = 1",
                "UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = 1",
                "UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id = 1");
        runAllStages();
        Map<WarehouseTable, List<String>> before = warehouseTables();
        Map<String, Long> versionsBefore = factVersions();

        requestReplayOf(first);
        transformAndLoad();

        assertThat(SqlRows.column(warehouse, "SELECT outcome FROM pipeline.replay_request WHERE done_at IS NOT NULL"))
                .singleElement().asString().startsWith("restored ");
        assertThat(SqlRows.count(warehouse, "SELECT loads FROM pipeline.load_batch WHERE batch_id = '" + first + "'"))
                .as("the older batch loaded again").isEqualTo(2);
        assertThat(warehouseTables()).as("every dimension and every current fact as before the replay")
                .isEqualTo(before);
        assertThat(factVersions()).as("fact versions, none doubled").isEqualTo(versionsBefore);
        System.out.printf("[replay] batch %s replayed after a newer one: loaded again, fact versions %s as before, "
                + "every dimension and current fact unchanged%n", first, versionsBefore);
        assertEqualToToteSys();
        assertThat(SqlRows.column(warehouse, "SELECT first_name FROM dim_staff WHERE staff_id = 1"))
                .containsExactly("Renamed");
        assertThat(ingest.keys("input/")).isEmpty();
        assertThat(processed.keys("input/")).isEmpty();
        IcebergTables.assertEqualTheWarehouse(world);
        try (IcebergTables tables = new IcebergTables(world)) {
            assertThat(tables.batches(WarehouseTable.DIM_STAFF)).as("the replay, a commit of its own")
                    .containsExactly(first, tables.batches(WarehouseTable.DIM_STAFF).get(1), first);
            assertThat(tables.rows(WarehouseTable.DIM_STAFF)).as("the newer batch's version stays")
                    .anyMatch(row -> row.startsWith("1|Renamed|"));
        }

        FreshChanges.reachTheWarehouse(world, producer, simulator);
        IcebergTables.assertEqualTheWarehouse(world);
    }

    /**
     * A staff member deleted in one batch and inserted again under the same key in a newer
     * one: replaying the batch that deleted them must neither hide them in
     * {@code dim_staff_current} nor lose the reference row by which a renamed department
     * reaches their dimension row.
     */
    @Test
    void anOlderBatchThatDeletedAMemberReplayedAfterItCameBackHidesNothing() {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 71);
        simulator.seed(0.01);
        String insertMember = "INSERT INTO staff (staff_id, first_name, last_name, department_id, email_address) "
                + "VALUES (9001, 'Ada', 'Back', (SELECT min(department_id) FROM department), 'ada@example.com')";
        DatabaseServer.execute(world.totesysOwner(), insertMember);
        runAllStages();
        DatabaseServer.execute(world.totesysOwner(), "DELETE FROM staff WHERE staff_id = 9001");
        runAllStagesUntil("SELECT count(*) FROM dim_staff_deletion WHERE staff_id = 9001");
        String deleting = SqlRows.column(warehouse, "SELECT batch_id FROM dim_staff_deletion WHERE staff_id = 9001")
                .get(0);
        DatabaseServer.execute(world.totesysOwner(), insertMember);
        runAllStages();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM dim_staff_current WHERE staff_id = 9001"))
                .as("inserted again before the replay").isEqualTo(1);

        requestReplayOf(deleting);
        transformAndLoad();

        assertThat(SqlRows.column(warehouse, "SELECT outcome FROM pipeline.replay_request WHERE done_at IS NOT NULL"))
                .singleElement().asString().startsWith("restored ");
        long current = SqlRows.count(warehouse, "SELECT count(*) FROM dim_staff_current WHERE staff_id = 9001");
        DatabaseServer.execute(world.totesysOwner(), "UPDATE department SET department_name = 'Renamed after replay', "
                + "last_updated = now() WHERE department_id = (SELECT department_id FROM staff WHERE staff_id = 9001)");
        runAllStages();
        List<String> department = SqlRows.column(warehouse,
                "SELECT department_name FROM dim_staff WHERE staff_id = 9001");
        System.out.printf("[replay] batch %s, which deleted staff 9001, replayed after 9001 came back: %d rows of "
                + "9001 in dim_staff_current, its department after a rename %s%n", deleting, current, department);
        assertThat(current).as("staff 9001 in dim_staff_current after the replay").isEqualTo(1);
        assertThat(department).as("the rename reaches 9001 through its reference row")
                .containsExactly("Renamed after replay");
        assertEqualToToteSys();

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    /**
     * The other way round: a staff member inserted in one batch and deleted in a newer one;
     * replaying the batch that inserted them must not bring their reference row back, or a
     * department renamed later would write them into {@code dim_staff} again, current.
     */
    @Test
    void anOlderBatchThatBroughtAMemberReplayedAfterItsDeletionBringsNothingBack() {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 83);
        simulator.seed(0.01);
        DatabaseServer.execute(world.totesysOwner(), "INSERT INTO staff (staff_id, first_name, last_name, "
                + "department_id, email_address) VALUES (9002, 'Gone', 'Away', (SELECT min(department_id) FROM "
                + "department), 'gone@example.com')");
        runAllStages();
        String inserting = SqlRows.column(warehouse, "SELECT batch_id FROM dim_staff WHERE staff_id = 9002").get(0);
        DatabaseServer.execute(world.totesysOwner(), "DELETE FROM staff WHERE staff_id = 9002");
        runAllStagesUntil("SELECT count(*) FROM dim_staff_deletion WHERE staff_id = 9002");

        requestReplayOf(inserting);
        transformAndLoad();
        DatabaseServer.execute(world.totesysOwner(), "UPDATE department SET department_name = 'Renamed after replay', "
                + "last_updated = now() WHERE department_id = (SELECT min(department_id) FROM department)");
        runAllStages();

        long current = SqlRows.count(warehouse, "SELECT count(*) FROM dim_staff_current WHERE staff_id = 9002");
        System.out.printf("[replay] batch %s, which brought staff 9002, replayed after 9002 was deleted, then a "
                + "rename of its department: %d rows of 9002 in dim_staff_current%n", inserting, current);
        assertThat(current).as("deleted staff 9002 in dim_staff_current").isZero();
        assertEqualToToteSys();

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    @Test
    void aFixedQuarantinedObjectArrivesWhenItsBatchIsReplayed() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 59);
        BatchManifest manifest = seedAndExtract(simulator);
        String salesOrder = salesOrderKey(manifest);
        byte[] original = ingest.readBytes(LakeLayout.input(salesOrder));
        String csv = new String(original, StandardCharsets.UTF_8);
        put(LakeLayout.input(salesOrder), csv.substring(0, csv.lastIndexOf("\r\n", csv.length() - 3) + 2)
                .getBytes(StandardCharsets.UTF_8));
        transformAndLoad();
        assertThat(ingest.keys(LakeLayout.quarantine(salesOrder))).hasSize(1);
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order")).isZero();

        put(LakeLayout.quarantine(salesOrder), original);
        requestReplayOf(manifest.batchId());
        transformAndLoad();

        assertEqualToToteSys();
        assertThat(ingest.keys("quarantine/")).as("the fixed object and its report").isEmpty();
        System.out.printf("[replay] fixed object of batch %s replayed: %d fact_sales_order rows, equal to ToteSys%n",
                manifest.batchId(), SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order"));
        assertThat(ingest.keys(LakeLayout.processed(salesOrder))).hasSize(1);
        assertThat(processed.keys("quarantine/")).isEmpty();
        assertThat(ingest.keys("input/")).isEmpty();
        assertThat(processed.keys("input/")).isEmpty();

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    @Test
    void aTableExtractedAgainWholeLeavesTheWarehouseEqualToToteSys() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 61);
        ingest.delete(LakeLayout.input(salesOrderKey(seedAndExtract(simulator))));
        transformAndLoad();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order")).as("the lost object's rows")
                .isZero();

        requestReextractOf("sales_order");
        requestReextractOf("widget");
        requestReplayOf("yesterday");
        requestReplayOf("20200101T000000000Z-abcdef");
        runAllStages();

        assertThat(SqlRows.column(warehouse, "SELECT coalesce(table_name, batch_id) || ': ' || outcome "
                + "FROM pipeline.replay_request WHERE done_at IS NOT NULL ORDER BY request_id")).satisfiesExactly(
                        outcome -> assertThat(outcome).startsWith("sales_order: extracted whole in batch "),
                        outcome -> assertThat(outcome).startsWith("widget: not re-extracted: 'widget' is not a "
                                + "table of the ToteSys catalogue"),
                        outcome -> assertThat(outcome).startsWith("yesterday: not replayed: 'yesterday' is not a "
                                + "batch id"),
                        outcome -> assertThat(outcome).startsWith("20200101T000000000Z-abcdef: not replayed: "
                                + "s3://totesys-ingest holds no manifest of batch 20200101T000000000Z-abcdef"));
        assertEqualToToteSys();
        Map<String, Long> versions = factVersions();
        Map<WarehouseTable, List<String>> tables = warehouseTables();

        requestReextractOf("sales_order");
        requestReextractOf("staff");
        runAllStages();

        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.replay_request WHERE done_at IS NULL"))
                .isZero();
        assertThat(factVersions()).as("fact versions after extracting whole again").isEqualTo(versions);
        System.out.printf("[replay] sales_order extracted whole twice: fact versions %s after the first and the "
                + "second, warehouse equal to ToteSys%n", versions);
        assertThat(warehouseTables()).isEqualTo(tables);
        assertEqualToToteSys();

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    private BatchManifest seedAndExtract(ToteSysSimulator simulator) throws Exception {
        simulator.seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        return json.readValue(ingest.read(ingest.keys("input/_manifests/").get(0)), BatchManifest.class);
    }

    private static String salesOrderKey(BatchManifest manifest) {
        return manifest.objects().stream().filter(entry -> entry.table().equals("sales_order")).findFirst()
                .orElseThrow().key();
    }

    private void runAllStages() {
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        transformAndLoad();
    }

    /** Runs every stage until the count query answers more than 0: a deletion waits for ToteSys's counters. */
    private void runAllStagesUntil(String countQuery) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            runAllStages();
            return SqlRows.count(warehouse, countQuery) > 0;
        });
    }

    private void transformAndLoad() {
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    private void requestReplayOf(String batchId) {
        DatabaseServer.execute(warehouse, "INSERT INTO pipeline.replay_request (batch_id) VALUES ('" + batchId + "')");
    }

    private void requestReextractOf(String table) {
        DatabaseServer.execute(warehouse, "INSERT INTO pipeline.replay_request (table_name) VALUES ('" + table + "')");
    }

    private void put(String key, byte[] content) {
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(key),
                RequestBody.fromBytes(content));
    }

    /** Every warehouse table, facts as their current state. */
    private Map<WarehouseTable, List<String>> warehouseTables() {
        Map<WarehouseTable, List<String>> tables = new EnumMap<>(WarehouseTable.class);
        for (WarehouseTable table : WarehouseTable.values()) {
            tables.put(table, StarSchemaFromToteSys.warehouseRows(warehouse, table));
        }
        return tables;
    }

    /** How many versions each fact table holds. */
    private Map<String, Long> factVersions() {
        return FACTS.stream().collect(Collectors.toMap(table -> table,
                table -> SqlRows.count(warehouse, "SELECT count(*) FROM " + table)));
    }

    private void assertEqualToToteSys() {
        for (WarehouseTable table : WarehouseTable.values()) {
            if (table != WarehouseTable.DIM_DATE) {
                assertThat(StarSchemaFromToteSys.warehouseRows(warehouse, table)).as(table.tableName())
                        .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
            }
        }
    }
}
