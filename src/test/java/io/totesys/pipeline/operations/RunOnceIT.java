package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The packaged service in its own process with {@code ETL_RUN_ONCE=true}, configured only
 * through the environment: each run is a start, one cycle and an exit, so consecutive runs
 * show what a restart resumes from.
 */
class RunOnceIT {

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void eachRunResumesFromTheSavedWatermarkAndNothingIsExtractedTwice() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 11);
        simulator.seed(0.05);

        runOnceSucceeds();
        assertThat(manifests()).hasSize(1);
        assertThat(extractedRows()).as("the first run takes every table whole").isEqualTo(sourceRows());
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(DISTINCT stage) FROM pipeline.stage_run"))
                .as("the status page's notes of the three stages' batches, written before the process exited")
                .isEqualTo(3);
        int firstRunRows = extractedRows().size();

        runOnceSucceeds();
        assertThat(manifests()).as("a restart with no changes writes nothing").hasSize(1);
        assertThat(finishedReconciliations())
                .as("none due within the hour after the first batch, which read every table whole").isZero();
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '2 hours'");

        for (int change = 0; change < 25; change++) {
            simulator.change();
        }
        runOnceSucceeds();
        assertThat(manifests()).hasSize(2);

        assertEveryVersionIsInTheLakeOnce();
        assertThat(extractedRows().size()).isGreaterThan(firstRunRows);
        assertThat(ingest.keys("input/")).as("each run transformed what it extracted").isEmpty();
        LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
        assertThat(processed.keys("input/")).as("each run loaded what it transformed").isEmpty();
        assertThat(processed.keys("processed/_manifests/")).as("one Parquet batch per extract batch").hasSize(2);
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.load_batch"))
                .isEqualTo(2);
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM fact_sales_order_current"))
                .as("every sales order in the warehouse")
                .isEqualTo(SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order"));
        assertThat(finishedReconciliations()).as("a reconciliation once the hour after the first batch was over")
                .isEqualTo(1);
    }

    private long finishedReconciliations() {
        return SqlRows.count(world.databases().warehouse(),
                "SELECT count(DISTINCT run_id) FROM pipeline.reconcile_run WHERE finished_at IS NOT NULL");
    }

    @Test
    void aBatchCutShortByACrashIsRemovedAndItsRowsComeInTheNextBatch() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 12);
        simulator.seed(0.01);
        String crashed = "20261126T000000000Z-c0ffee";
        String orphan = "input/sales_order/date=2026-11-26/" + crashed + ".csv";
        runOnceSucceeds();
        // A run killed after writing a CSV object and before its manifest leaves this behind:
        DatabaseServer.execute(world.databases().warehouse(), "INSERT INTO pipeline.extract_batch (batch_id, status, "
                + "high_water) VALUES ('" + crashed + "', 'STARTED', localtimestamp)");
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(orphan),
                RequestBody.fromString("\"sales_order_id\"\r\n\"1\"\r\n"));
        simulator.newSalesOrder();
        runOnceSucceeds();

        assertThat(ingest.keys("")).doesNotContain(orphan, orphan.replace("input/", "processed/"));
        assertThat(manifests()).hasSize(2);
        assertEveryVersionIsInTheLakeOnce();
    }

    /**
     * The lake holds each current row version of ToteSys, no version twice, and otherwise
     * only versions that a later one in ToteSys superseded.
     */
    private void assertEveryVersionIsInTheLakeOnce() throws SQLException {
        List<String> lake = extractedRows();
        List<String> source = sourceRows();
        assertThat(lake).containsAll(source);
        List<String> superseded = new ArrayList<>(lake);
        superseded.removeAll(source);
        for (String version : superseded) {
            String row = version.substring(0, version.lastIndexOf(' ', version.lastIndexOf(' ') - 1));
            assertThat(source).as("a newer version of %s", version)
                    .anySatisfy(current -> assertThat(current).startsWith(row + " ").isGreaterThan(version));
        }
    }

    private void runOnceSucceeds() throws Exception {
        Map<String, String> environment = world.runOnceEnvironment();
        environment.put("ETL_EXTRACT_SAFETY_MARGIN", "2s");
        Path log = Files.createTempFile(Path.of("target"), "run-once-", ".log");
        PipelineService service = PipelineService.start(environment, log);
        int exitCode = service.awaitExit(Duration.ofMinutes(2));
        assertThat(exitCode).as("exit code; output:%n%s", service.output()).isZero();
        assertThat(service.output()).contains("Run once complete");
    }

    /** The extract manifests, whether or not the transform stage has consumed their batch yet. */
    private List<String> manifests() {
        return ingest.keys("").stream().filter(key -> key.contains("/_manifests/")).toList();
    }

    /** Every (table, id, last_updated) the lake holds, checked for duplicates. */
    private List<String> extractedRows() {
        List<String> rows = ingest.extractedRowVersions();
        assertThat(new HashSet<>(rows)).as("no row version twice").hasSize(rows.size());
        return rows;
    }

    private List<String> sourceRows() throws SQLException {
        Set<String> rows = new HashSet<>();
        try (Connection connection = world.totesysOwner().getConnection();
                Statement statement = connection.createStatement()) {
            for (SourceTable table : SourceTable.values()) {
                try (ResultSet result = statement.executeQuery("SELECT " + table.primaryKey()
                        + ", to_char(last_updated, 'YYYY-MM-DD HH24:MI:SS.MS') FROM " + table.tableName())) {
                    while (result.next()) {
                        rows.add(table.tableName() + " " + result.getInt(1) + " " + result.getString(2));
                    }
                }
            }
        }
        return rows.stream().sorted().toList();
    }
}
