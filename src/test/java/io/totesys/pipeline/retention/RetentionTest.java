package io.totesys.pipeline.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.reconcile.ReconcileLog;
import io.totesys.pipeline.starschema.ReferenceState;
import io.totesys.pipeline.status.StatusPage;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.LongBatchLog;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * The pipeline's records with a batch log of 100,000 batches (issue 25, point 8): 100,000
 * batches extracted, transformed and loaded, older than the batch log's retention (ending 91
 * days ago), each with its calendar coverage; a hundred reconciliations that finished, then 10,000
 * that failed on the way in the last hours (11 rows each, as a failing run adds at every poll);
 * 1,000 replay requests done 100 days ago and one open. What a
 * poll reads of them stays a few pages; retention forgets them in bounded passes and keeps
 * what the stages and the warehouse need; the status page answers as fast.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class RetentionTest {

    private static final int BATCHES = 100_000;
    private static final int FAILED_RUNS = 10_000;
    private static final String BATCH_LOG_HORIZON = "to_char((now() - interval '90 days') AT TIME ZONE 'UTC', 'YYYYMMDD')";
    private static final String OLD_BATCHES = "SELECT count(*) FROM pipeline.extract_batch WHERE started_at < now() - interval '90 days'";
    /** Pages (8 kB) a query may read: an index descent or two, whatever the records hold. */
    private static final int FEW_PAGES = 100;

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    RetentionSettings settings;

    @Inject
    StatusPage statusPage;

    private final EmbeddedWorld world = TestWorld.get();

    @BeforeEach
    void monthsOfRecords() {
        ToteSysFixture.reset(world);
        PipelineStages.runEach(producer);
        DataSource warehouse = world.databases().warehouse();
        LongBatchLog.add(warehouse, BATCHES, "91 days");
        DatabaseServer.execute(warehouse,
                """
                INSERT INTO pipeline.calendar_coverage (batch_id, first_date, last_date)
                SELECT batch_id, (at - interval '2 years')::date + (n % 7)::int, at::date + (n % 5)::int
                  FROM (SELECT batch_id, started_at AS at, row_number() OVER (ORDER BY batch_id) AS n FROM pipeline.extract_batch WHERE started_at < now() - interval '90 days') AS old""",
                """
                        INSERT INTO pipeline.reconcile_run (run_id, table_name, started_at, compared, pending, missing,
                                                            extra, changed, adopted)
                        SELECT to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISSMS"Z"') || '-' || lpad(to_hex(n), 6, '0'),
                               table_name, at, 1000, 0, 0, 0, 0, 0
                          FROM (SELECT n, now() - n * interval '1 second' AS at FROM generate_series(1, %d) AS n) AS failed,
                               unnest(ARRAY['address', 'counterparty', 'currency', 'department', 'design', 'payment',
                                            'payment_type', 'purchase_order', 'sales_order', 'staff', 'transaction'])
                               AS table_name""".formatted(FAILED_RUNS),
                """
                        INSERT INTO pipeline.replay_request (table_name, requested_at, done_at, outcome)
                        SELECT 'address', now() - interval '100 days', now() - interval '100 days', 'done'
                          FROM generate_series(1, 1000)""",
                "INSERT INTO pipeline.replay_request (table_name) VALUES ('staff')",
                """
                        INSERT INTO pipeline.quarantined_batch (batch_id, stage, problem)
                        SELECT batch_id, 'transform', 'a test' FROM pipeline.extract_batch
                         WHERE started_at < now() - interval '90 days' ORDER BY batch_id OFFSET 50000 LIMIT 1""",
                "ANALYZE pipeline.calendar_coverage", "ANALYZE pipeline.reconcile_run");
    }

    @AfterEach
    void forgetTheLog() {
        DatabaseServer.execute(world.databases().warehouse(),
                "TRUNCATE pipeline.stage_run, pipeline.freshness_sample, pipeline.reconcile_run, "
                        + "pipeline.extract_batch, pipeline.load_batch, pipeline.calendar_coverage, "
                        + "pipeline.replay_request, pipeline.quarantined_batch");
    }

    @Test
    void whatAPollReadsOfTheRecordsStaysAFewPages() throws Exception {
        long calendar = pagesRead(ReferenceState.COVERAGE_BEFORE, "29991231T000000000Z-ffffff");
        long lastReconciled = pagesRead(ReconcileLog.LAST_RECONCILED, (Object) SourceTable.tableNames().toArray());

        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(calendar).as("pages the transform's calendar read, %d batches covered", BATCHES)
                    .isLessThan(FEW_PAGES);
            softly.assertThat(lastReconciled)
                    .as("pages the extract's look for the last reconciliation read, %d runs failed", FAILED_RUNS)
                    .isLessThan(FEW_PAGES);
        });
    }

    @Test
    void retentionForgetsOldRecordsInBoundedPassesAndKeepsWhatIsNeeded() {
        DataSource warehouse = world.databases().warehouse();
        String calendarBefore = SqlRows.text(warehouse,
                "SELECT min(first_date) || ' ' || max(last_date) FROM pipeline.calendar_coverage");
        String newestLoaded = SqlRows.text(warehouse, "SELECT max(batch_id) FROM pipeline.load_batch");
        long deletionsBefore = SqlRows.count(warehouse, "SELECT count(*) FROM public.fact_sales_order_deletion");
        long factsBefore = SqlRows.count(warehouse, "SELECT count(*) FROM public.fact_sales_order");

        long perPass = (long) settings.deleteRows() * settings.deletesPerPass();
        List<Map<String, Long>> passes;
        try (CapturedLog log = CapturedLog.of(PipelineRetention.class)) {
            passes = passesUntilNothingIsLeft();
            assertThat(log.lines()).as("what retention logged").noneMatch(line -> line.startsWith("WARN"))
                    .anyMatch(line -> line.startsWith("INFO Retention: forgot {batches' calendar coverage=20000"));
        }
        System.out.printf("retention: %d passes: %s%n", passes.size(), passes);

        assertThat(passes).as("passes").hasSizeLessThan(30).last().isEqualTo(Map.of());
        assertThat(passes).as("rows of each kind one pass forgot").allSatisfy(
                pass -> assertThat(pass.values()).allMatch(rows -> rows <= perPass));
        assertThat(passes.get(0)).as("the first pass").containsEntry("extract batches", perPass);
        assertThat(SqlRows.column(warehouse, """
                SELECT e.batch_id FROM pipeline.extract_batch e JOIN pipeline.quarantined_batch q USING (batch_id)
                 WHERE e.started_at < now() - interval '90 days'""")).as("the old batch waiting in quarantine")
                .hasSize(1);
        assertThat(SqlRows.count(warehouse, OLD_BATCHES))
                .as("extract batches older than the retention: the one in quarantine and the newest")
                .isLessThanOrEqualTo(2);
        assertThat(SqlRows.count(warehouse,
                "SELECT count(*) FROM pipeline.load_batch WHERE loaded_at < now() - interval '90 days'"))
                .as("loaded batches older than the retention: the newest at most").isLessThanOrEqualTo(1);
        assertThat(SqlRows.column(warehouse, "SELECT max(batch_id) FROM pipeline.load_batch"))
                .as("the newest loaded batch, which the freshness lag starts from").containsExactly(newestLoaded);
        assertThat(SqlRows.count(warehouse,
                "SELECT count(*) FROM pipeline.stage_run WHERE finished_at < now() - interval '90 days'"))
                .as("stage runs older than the retention").isZero();
        assertThat(SqlRows.text(warehouse,
                "SELECT min(first_date) || ' ' || max(last_date) FROM pipeline.calendar_coverage"))
                .as("the calendar covered").isEqualTo(calendarBefore);
        assertThat(SqlRows.count(warehouse,
                "SELECT count(*) FROM pipeline.calendar_coverage WHERE batch_id < " + BATCH_LOG_HORIZON))
                .as("coverage rows of batches older than the retention, folded into one").isZero();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.reconcile_run WHERE finished_at IS NULL"))
                .as("rows of failed runs: the latest run's at most").isLessThanOrEqualTo(11);
        assertThat(SqlRows.column(warehouse, "SELECT table_name FROM pipeline.replay_request"))
                .as("the open replay request").containsExactly("staff");
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM public.fact_sales_order_deletion"))
                .as("deletions, part of the warehouse's history").isEqualTo(deletionsBefore);
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM public.fact_sales_order")).as("facts")
                .isEqualTo(factsBefore);

        PipelineStages.runEach(producer);
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.extract_batch WHERE status = 'STARTED'"))
                .as("the stages run on after retention").isZero();
    }

    @Test
    void theStatusPageReadsAsFastWithTheLongLog() {
        long longLog = readingThePage();
        System.out.printf("status page: a read takes %d ms with %d batches%n", longLog, BATCHES);
        passesUntilNothingIsLeft();
        long forgotten = readingThePage();
        System.out.printf("status page: a read takes %d ms once retention forgot them%n", forgotten);
        assertThat(longLog).as("ms a read of the status page takes with %d batches in the log", BATCHES)
                .isLessThan(2_000);
    }

    /** Passes of retention until one forgets nothing: what each forgot. */
    @SuppressWarnings("unchecked")
    private List<Map<String, Long>> passesUntilNothingIsLeft() {
        List<Map<String, Long>> passes = new ArrayList<>();
        Map<String, Long> pass;
        do {
            pass = producer.requestBody("direct:retention", null, Map.class);
            passes.add(pass);
        } while (!pass.isEmpty() && passes.size() < 30);
        return passes;
    }

    /** The median of five reads of the status page, each a read of the warehouse and the lake (no cache). */
    private long readingThePage() {
        long[] took = new long[5];
        for (int read = 0; read < took.length; read++) {
            long started = System.nanoTime();
            assertThat(statusPage.read(null, null).batches().shown()).as("the page shows its batches").isTrue();
            took[read] = (System.nanoTime() - started) / 1_000_000;
        }
        Arrays.sort(took);
        return took[2];
    }

    /** Shared buffers the query touched (hit or read), as EXPLAIN (ANALYZE, BUFFERS) counts them. */
    private long pagesRead(String query, Object... parameters) throws Exception {
        try (Connection connection = world.databases().warehouse().getConnection();
                PreparedStatement statement = connection
                        .prepareStatement("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query)) {
            for (int parameter = 0; parameter < parameters.length; parameter++) {
                Object value = parameters[parameter];
                statement.setObject(parameter + 1, value instanceof Object[] names
                        ? connection.createArrayOf("text", names)
                        : value);
            }
            try (ResultSet plan = statement.executeQuery()) {
                plan.next();
                JsonNode top = json.readTree(plan.getString(1)).get(0).get("Plan");
                long pages = top.get("Shared Hit Blocks").asLong() + top.get("Shared Read Blocks").asLong();
                System.out.printf("%d pages, %.1f ms: %s%n", pages,
                        json.readTree(plan.getString(1)).get(0).get("Execution Time").asDouble(),
                        query.lines().findFirst().orElse(""));
                return pages;
            }
        }
    }

}
