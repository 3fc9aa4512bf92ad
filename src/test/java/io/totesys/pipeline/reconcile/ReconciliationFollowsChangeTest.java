package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.RangeChecksum;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ReconciliationRun;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Issue 26: a reconciliation costs ToteSys what changed since the last one, not its size.
 * After a full load and a reconciliation that finds ToteSys and the lake equal, one row
 * changes behind the pipeline's back (committed inside the read horizon, which no batch then
 * reads). The next reconciliation finds and repairs it, reading row by row only the key range
 * of 1,024 keys that holds it (as its record and ToteSys's own statistics of the rows fetched
 * by key say), and does not read at all the tables whose statistics counters have not moved. A
 * change on the lake's side (a key the lake's mirror holds that ToteSys lacks, written by hand)
 * is found though ToteSys's counters have not moved.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ReconciliationFollowsChangeTest {

    /** Enough sales orders for several key ranges (3,356 at 0.3). */
    private static final double SCALE = 0.3;

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @TestHTTPResource("/status")
    URI status;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource statistics = world.databases().superuser(DatabaseServer.TOTESYS_DATABASE);
    private ExtractRuns runs;

    /** What ToteSys's statistics say was read of one table so far. */
    record Reads(long sequentialScans, long rowsScanned, long indexScans, long rowsFetched) {

        Reads since(Reads before) {
            return new Reads(sequentialScans - before.sequentialScans, rowsScanned - before.rowsScanned,
                    indexScans - before.indexScans, rowsFetched - before.rowsFetched);
        }

        long scans() {
            return sequentialScans + indexScans;
        }
    }

    @BeforeEach
    void aToteSysExtractedAndFoundEqual() {
        runs = new ExtractRuns(producer, json, new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET));
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 11).seed(SCALE);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        assertThat(reconcile()).as("nothing to repair after the full load").isEmpty();
        // the seed's last counters may be reported after the first run read them: that run's table is read again
        Awaitility.await("a reconciliation that reads no table").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    assertThat(reconcile()).isEmpty();
                    return lastRun().values().stream().allMatch(run -> run.startsWith("not read"));
                });
    }

    @Test
    void oneHiddenChangeIsFoundByReadingItsKeyRangeAloneAndUnchangedTablesAreNotRead() {
        long salesOrders = SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order");
        int changed = (int) (salesOrders / 2);
        String updates = "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'sales_order'";
        long updatesBefore = SqlRows.count(statistics, updates); // earlier tests' updates count too
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1 WHERE sales_order_id = " + changed);
        hideFromTheBatches();
        Awaitility.await("the change's own count in ToteSys's statistics").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> SqlRows.count(statistics, updates) > updatesBefore);
        Map<String, Reads> before = reads();

        BatchManifest repair = reconcile().orElseThrow();

        assertThat(runs.ids(repair, "sales_order")).containsExactly(changed);
        Map<String, String> found = lastRun();
        assertThat(found.remove("sales_order")).as("sales_order, %d rows", salesOrders)
                .isEqualTo("read " + RangeChecksum.KEYS + " rows of " + salesOrders + ", 1 changed, 1 repaired");
        assertThat(found).as("the tables whose counters did not move").hasSize(SourceTable.values().length - 1)
                .allSatisfy((table, run) -> assertThat(run).isEqualTo("not read"));
        Awaitility.await("the reconciliation's reads in ToteSys's statistics").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> reads().get("sales_order").since(before.get("sales_order")).scans() > 0);
        Reads salesOrder = reads().get("sales_order").since(before.get("sales_order"));
        // its key range and the repaired row; a few more where an index scan meets the changed row's older
        // version, which PostgreSQL may count (1,027 were seen in the whole suite), against 3,356 for the table
        assertThat(salesOrder.rowsFetched()).as("rows of sales_order (%d) fetched by key: its key range and the "
                + "repaired row (%s)", salesOrders, salesOrder).isLessThanOrEqualTo(RangeChecksum.KEYS + 1 + 8);
        Awaitility.await("the status page shows the run").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(statusPage())
                        .contains("<tr><td>currency</td>")
                        .containsPattern("<tr><td>currency</td><td>[^<]*</td><td class=\"number\">not read: unchanged "
                                + "since found equal</td>")
                        .containsPattern("<tr><td>sales_order</td><td>[^<]*</td><td class=\"number\">" + salesOrders
                                + "</td>"));
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
    }

    @Test
    void aKeyTheLakeHoldsThatToteSysLacksIsFoundThoughToteSyssCountersDidNotMove() {
        DatabaseServer.execute(world.databases().warehouse(),
                "INSERT INTO pipeline.source_row_checksum VALUES ('currency', 999, hashtextextended('gone', 0))");

        Optional<BatchManifest> repair = reconcile();

        assertThat(runs.deletedIds(repair.orElseThrow(), "currency")).containsExactly(999);
        assertThat(reconcile()).as("nothing left to repair").isEmpty();
    }

    /**
     * Issue 25 point 3: a run that keeps failing on the way (here its finish, by a trigger that
     * refuses to record it) does not read again, at each retry, the tables it found equal.
     */
    @Test
    void aRunThatKeepsFailingDoesNotReadAgainTheTablesItFoundEqual() {
        DataSource warehouse = world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE);
        DatabaseServer.execute(warehouse, """
                CREATE FUNCTION pipeline.refuse_finish() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'finishing refused by the test'; END $$""",
                "CREATE TRIGGER refuse_finish BEFORE UPDATE ON pipeline.reconcile_run FOR EACH ROW "
                        + "WHEN (OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL) "
                        + "EXECUTE FUNCTION pipeline.refuse_finish()",
                // a change of the mirror by hand: every table is read again
                "UPDATE pipeline.source_row_checksum SET checksum = checksum WHERE false");
        try {
            assertThat(ReconciliationRun.attempt(producer, world)).as("the first run").isNotNull();
            assertThat(lastRun().values()).as("the first run reads every table")
                    .allSatisfy(run -> assertThat(run).startsWith("read 0 rows of"));
            for (int retry = 1; retry <= 3; retry++) {
                assertThat(ReconciliationRun.attempt(producer, world)).as("retry %d", retry).isNotNull();
                assertThat(SqlRows.count(warehouse, """
                        SELECT sum(compared) FROM pipeline.reconcile_run
                         WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)""")).as("rows compared by "
                        + "retry %d", retry).isZero();
            }
        } finally {
            DatabaseServer.execute(warehouse, "DROP TRIGGER refuse_finish ON pipeline.reconcile_run",
                    "DROP FUNCTION pipeline.refuse_finish()");
        }
        assertThat(reconcile()).isEmpty();
        assertThat(lastRun().values()).allSatisfy(run -> assertThat(run).isEqualTo("not read"));
    }

    /** The pipeline sums {@code hashint4} over the keys the lake holds as ToteSys does over its own. */
    @Test
    void theKeysHashIsPostgreSqlsHashint4() {
        List<String> keys = List.of("-2147483648", "-70000", "-1", "0", "1", "2", "1023", "1024", "65536",
                "2147483647");
        assertThat(keys.stream().map(key -> Integer.toString(KeyHash.of(Integer.parseInt(key)))).toList())
                .isEqualTo(keys.stream()
                        .map(key -> SqlRows.text(world.totesysOwner(), "SELECT hashint4(" + key + ")::text")).toList());
        assertThat(SqlRows.count(world.totesysOwner(),
                "SELECT sum(hashint4(key)) FROM generate_series(-50000, 50000) AS key"))
                .isEqualTo(IntStream.rangeClosed(-50_000, 50_000).mapToLong(KeyHash::of).sum());
    }

    private String statusPage() throws Exception {
        return http.send(HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Moves every table's read horizon past what is committed: no batch reads it. */
    private void hideFromTheBatches() {
        String committed = SqlRows.text(world.totesysOwner(), "SELECT pg_current_snapshot()::text");
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.extract_watermark SET read_horizon = '" + committed + "'");
    }

    private Optional<BatchManifest> reconcile() {
        DatabaseServer.execute(world.databases().warehouse(),
                "UPDATE pipeline.reconcile_run SET started_at = started_at - interval '1 day'",
                "UPDATE pipeline.extract_batch SET started_at = started_at - interval '1 day'");
        return runs.runThrough(Reconciliations.ENDPOINT).map(ExtractRuns.Published::manifest);
    }

    /**
     * What the latest run recorded, per table: {@code not read}, or {@code read R rows of C, M
     * changed, N repaired} (rows read row by row, rows compared).
     */
    private Map<String, String> lastRun() {
        Map<String, String> found = new HashMap<>();
        SqlRows.of(world.databases().warehouse(), """
                SELECT table_name, CASE WHEN not_read THEN 'not read' ELSE 'read ' || rows_read || ' rows of '
                       || compared || ', ' || (changed + missing + extra) || ' changed, ' || repaired || ' repaired' END
                  FROM pipeline.reconcile_run
                 WHERE run_id = (SELECT max(run_id) FROM pipeline.reconcile_run)""").forEach(line -> {
            String[] values = line.substring(1, line.length() - 1).split(",", 2);
            found.put(values[0], values[1].replace("\"", ""));
        });
        return found;
    }

    /** ToteSys's statistics of the scans of its tables, as they are now. */
    private Map<String, Reads> reads() {
        Map<String, Reads> reads = new HashMap<>();
        List<String> rows = SqlRows.of(statistics, """
                SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), coalesce(idx_tup_fetch, 0)
                  FROM pg_stat_user_tables WHERE schemaname = 'public'""");
        for (String row : rows) {
            String[] values = row.substring(1, row.length() - 1).split(",");
            reads.put(values[0], new Reads(Long.parseLong(values[1]), Long.parseLong(values[2]),
                    Long.parseLong(values[3]), Long.parseLong(values[4])));
        }
        return reads;
    }
}
