package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.PipelineService.CommandRun;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Issue 25, point 7: the operator's commands, run as {@code java -jar quarkus-run.jar <command>}
 * with the service's own environment (its HTTP and Jolokia ports included) beside the running
 * packaged service, as {@code kubectl exec} runs them in its pod. A design's name longer than
 * {@code ETL_MAX_FIELD_LENGTH} is left out of the first batch with a report; {@code list-quarantine}
 * shows it; bad input is refused in one line and queues nothing; once the service runs with the
 * default length, {@code replay --wait} brings the row into the warehouse; {@code reextract
 * --wait} and {@code reconcile --wait} (with {@code ETL_RECONCILE_INTERVAL=0}) each say what they
 * queued and what came of it; a replay the service refuses exits 1 with its reason, and one no
 * service takes exits 3 at its timeout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorCommandsIT {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(4);
    private static final String LONG_NAME = "A design whose name is longer than the transform was told to take "
            + "(ETL_MAX_FIELD_LENGTH 64)";
    private static final String BATCH_ID = "\\d{8}T\\d{9}Z-[0-9a-f]{6}";

    private static Path directory;
    private static EmbeddedWorld world;
    private static Map<String, String> environment;
    private static PipelineService service;
    private static String firstBatch;

    @BeforeAll
    static void startTheServiceWithAShortFieldLength() throws IOException {
        directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "commands-world-");
        world = EmbeddedWorld.start(directory, 0, 0);
        new ToteSysSimulator(world.totesysOwner(), 77).seed(0.01);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE design SET design_name = '" + LONG_NAME + "', last_updated = now() WHERE design_id = 1");
        environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_HTTP_PORT", String.valueOf(FreePort.find()));
        environment.put("ETL_JOLOKIA_PORT", String.valueOf(FreePort.find()));
        environment.put("ETL_POLL_INTERVAL", "2s");
        environment.put("ETL_STAGE_POLL_INTERVAL", "1s");
        environment.put("ETL_HEALTH_CHECK_INTERVAL", "1s");
        environment.put("ETL_RECONCILE_INTERVAL", "0");
        Map<String, String> shortFields = new LinkedHashMap<>(environment);
        shortFields.put("ETL_MAX_FIELD_LENGTH", "64");
        service = PipelineService.start(shortFields, directory.resolve("service-short-fields.log"));
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> !service.isAlive() || loaded() > 0);
        assertThat(service.isAlive()).as("the service runs; output:%n%s", service.output()).isTrue();
        firstBatch = SqlRows.text(warehouse(), "SELECT min(batch_id) FROM pipeline.load_batch");
    }

    @AfterAll
    static void stopEverything() {
        if (service != null) {
            service.close();
        }
        if (world != null) {
            world.close();
        }
    }

    @Test
    @Order(1)
    void listQuarantineShowsTheRowLeftOutAndBesideTheServiceStartsNothingOfIt() {
        assertThat(SqlRows.column(warehouse(), "SELECT design_name FROM dim_design WHERE design_id = 1"))
                .as("the row left out").doesNotContain(LONG_NAME);

        CommandRun list = command("list-quarantine");

        assertThat(list.exitCode()).as(list.output()).isZero();
        assertThat(list.output()).contains(
                "0 batches quarantined whole, waiting for a replay; 1 reports in quarantine/",
                "batch " + firstBatch + "  design  s3://" + EmbeddedWorld.INGEST_BUCKET + "/processed/design/",
                "column design_name: the value is " + LONG_NAME.length() + " characters long, more than "
                        + "ETL_MAX_FIELD_LENGTH (64)",
                "next: Shorten design.design_name of key 1 in ToteSys (the next extract carries the row again), or "
                        + "raise ETL_MAX_FIELD_LENGTH and replay the batch: totesys-pipeline replay " + firstBatch);
        assertThat(SqlRows.count(warehouse(), "SELECT count(*) FROM pipeline.replica"))
                .as("only the service says it is there: the command beats no heartbeat").isEqualTo(1);
        assertThat(service.isAlive()).isTrue();
        System.out.printf("[commands] list-quarantine beside the service (its ports taken): exit 0, peak resident "
                + "%d MiB%n%s%n", list.peakResidentBytes() / (1024 * 1024), list.output().strip());
    }

    @Test
    @Order(2)
    void badInputIsRefusedInOneLineAndQueuesNothing() {
        assertRefused(command("replay", "not-a-batch"), 1,
                "replay: 'not-a-batch' is not a batch id: one is written yyyyMMdd'T'HHmmssSSS'Z'-xxxxxx, such as "
                        + "20261126T001635123Z-9f3a1c");
        assertRefused(command("replay", "20200101T000000000Z-000000"), 1,
                "replay: batch 20200101T000000000Z-000000 is not in the batch log (pipeline.extract_batch)");
        assertRefused(command("replay", "--from", "2020-01-01", "--to", "2020-01-02"), 1,
                "replay: the batch log holds no published batch from 2020-01-01 to 2020-01-02");
        assertRefused(command("reextract", "sales_order", "sale_order"), 1,
                "reextract: 'sale_order' is not a ToteSys table of the catalogue: address, counterparty,");
        assertRefused(command("replay", firstBatch, "--wait", "--timeout", "soon"), 2,
                "replay: Invalid value for option '--timeout': 'soon' is not a duration: write one such as 90s, "
                        + "10m or 1h (see totesys-pipeline replay --help)");
        assertRefused(command("list-quarantine", "--batch", "yesterday"), 1,
                "list-quarantine: --batch 'yesterday' is not a batch id");
        assertThat(SqlRows.count(warehouse(), "SELECT count(*) FROM pipeline.replay_request")).as("nothing queued")
                .isZero();
    }

    @Test
    @Order(3)
    void replayWithWaitBringsTheRowInOnceTheServiceTakesLongerValues() {
        service.close();
        // on ports of its own: the JDK's server under Jolokia may find the last one's still taken
        environment.put("ETL_HTTP_PORT", String.valueOf(FreePort.find()));
        environment.put("ETL_JOLOKIA_PORT", String.valueOf(FreePort.find()));
        service = PipelineService.start(environment, directory.resolve("service.log"));

        CommandRun replay = command("replay", firstBatch, "--wait", "--timeout", "3m");

        assertThat(replay.exitCode()).as(replay.output()).isZero();
        assertThat(replay.lines()).hasSize(3);
        assertThat(replay.lines().get(0)).matches("Queued replay request \\d+: batch " + firstBatch + " goes "
                + "through the transform and the load again at the leader's next transform poll");
        assertThat(replay.lines().get(1)).matches("Replay request \\d+: restored \\d+ objects of batch " + firstBatch
                + " under input/ of s3://" + EmbeddedWorld.INGEST_BUCKET + " and removed the \\d+ objects of its "
                + "earlier transform; the transform and the load take it again");
        assertThat(replay.lines().get(2)).startsWith("Batch " + firstBatch + " loaded again (load 2): new rows {")
                .endsWith("nothing of it is in quarantine");
        assertThat(SqlRows.column(warehouse(), "SELECT design_name FROM dim_design WHERE design_id = 1"))
                .as("the row arrived").containsExactly(LONG_NAME);

        CommandRun list = command("list-quarantine");
        assertThat(list.exitCode()).isZero();
        assertThat(list.lines()).containsExactly("Nothing is quarantined: no batch waits whole, and quarantine/ of "
                + "both buckets holds no report");
        System.out.printf("[commands] %s%n", String.join("\n[commands] ", replay.lines()));
    }

    @Test
    @Order(4)
    void reextractWithWaitSaysWhichBatchReadTheTableAndThatItWasLoaded() {
        CommandRun reextract = command("reextract", "sales_order", "--wait", "--timeout", "3m");

        assertThat(reextract.exitCode()).as(reextract.output()).isZero();
        assertThat(reextract.lines()).hasSize(3);
        assertThat(reextract.lines().get(0))
                .matches("Queued re-extract request \\d+: the leader's next extract batch reads sales_order whole");
        String batch = reextract.lines().get(1).replaceAll(".* in batch (" + BATCH_ID + ")$", "$1");
        assertThat(reextract.lines().get(1)).matches("Re-extract request \\d+: extracted whole in batch " + BATCH_ID);
        assertThat(reextract.lines().get(2)).startsWith("Batch " + batch + " loaded: new rows {");
        assertThat(SqlRows.text(warehouse(), "SELECT whole_tables::text FROM pipeline.extract_batch WHERE batch_id = '"
                + batch + "'")).contains("sales_order");
        System.out.printf("[commands] %s%n", String.join("\n[commands] ", reextract.lines()));
    }

    @Test
    @Order(5)
    void reconcileWithWaitRunsAReconciliationThoughTheIntervalIsZero() {
        assertThat(SqlRows.count(warehouse(), "SELECT count(*) FROM pipeline.reconcile_run"))
                .as("ETL_RECONCILE_INTERVAL=0: none ran by itself").isZero();

        CommandRun reconcile = command("reconcile", "--wait", "--timeout", "3m");

        assertThat(reconcile.exitCode()).as(reconcile.output()).isZero();
        assertThat(reconcile.lines()).hasSize(2);
        assertThat(reconcile.lines().get(0)).matches("Queued reconcile request \\d+: the leader reconciles at its "
                + "next poll");
        String run = SqlRows.text(warehouse(), "SELECT DISTINCT run_id FROM pipeline.reconcile_run");
        assertThat(reconcile.lines().get(1)).matches("Reconcile request \\d+: Reconciliation " + run + " compared "
                + "\\d+ rows of 11 tables with the lake in [0-9.]+ s \\(\\d+ read row by row where key ranges "
                + "differed, \\d+ tables not read as unchanged since found equal, \\d+ written since the last batch, "
                + "left to the next\\): ToteSys and the lake agree(; rows the lake holds only in quarantine[^;]*)?; "
                + "the warehouse's current views \\(.*\\) hold what ToteSys says");
        assertThat(SqlRows.text(warehouse(), "SELECT run_id FROM pipeline.reconcile_request")).isEqualTo(run);
        System.out.printf("[commands] %s%n", String.join("\n[commands] ", reconcile.lines()));
    }

    @Test
    @Order(6)
    void aReplayTheServiceRefusesExitsOneWithItsReason() {
        String batch = SqlRows.text(warehouse(), "SELECT max(batch_id) FROM pipeline.load_batch");
        String manifest = "processed/_manifests/date=" + batch.substring(0, 4) + "-" + batch.substring(4, 6) + "-"
                + batch.substring(6, 8) + "/" + batch + ".json";
        world.s3().deleteObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(manifest));

        CommandRun replay = command("replay", batch, "--wait", "--timeout", "3m");

        assertThat(replay.exitCode()).as(replay.output()).isEqualTo(1);
        assertThat(replay.lines().get(replay.lines().size() - 1)).matches("replay: request \\d+ failed: not "
                + "replayed: s3://" + EmbeddedWorld.INGEST_BUCKET + " holds no manifest of batch " + batch
                + " under input/, processed/ or quarantine/; put its manifest and objects back first");
    }

    @Test
    @Order(7)
    void aReplayNoServiceTakesExitsThreeAtItsTimeoutAndStaysQueued() {
        service.close();

        CommandRun replay = command("replay", firstBatch, "--wait", "--timeout", "5s");

        assertThat(replay.exitCode()).as(replay.output()).isEqualTo(3);
        assertThat(replay.lines().get(replay.lines().size() - 1)).matches("replay: replay request \\d+ is not done "
                + "after 5s: the transform has not taken it yet; is the service running, and does it lead\\?; it "
                + "stays queued, and the same command with --wait waits for it again");
        assertThat(SqlRows.count(warehouse(), "SELECT count(*) FROM pipeline.replay_request WHERE done_at IS NULL"))
                .isEqualTo(1);
        CommandRun again = command("replay", firstBatch);
        assertThat(again.lines()).singleElement().asString().startsWith("Already queued as replay request ");
    }

    private static void assertRefused(CommandRun run, int exitCode, String line) {
        assertThat(run.exitCode()).as(run.output()).isEqualTo(exitCode);
        assertThat(run.lines()).as("one line").singleElement().asString().startsWith(line);
    }

    private static CommandRun command(String... arguments) {
        return PipelineService.command(environment, COMMAND_TIMEOUT, arguments);
    }

    private static long loaded() {
        try {
            return SqlRows.count(warehouse(), "SELECT count(*) FROM pipeline.load_batch");
        } catch (RuntimeException e) {
            return 0; // not migrated yet
        }
    }

    private static DataSource warehouse() {
        return world.databases().warehouse();
    }
}
