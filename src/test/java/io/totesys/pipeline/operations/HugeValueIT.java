package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * One huge value (issue 24 point 3), against the packaged service under {@code -Xmx256m},
 * reading ToteSys as a SELECT-only role in run-once mode: ToteSys adds {@code design.notes}
 * and puts 300 MiB in one row while another design is edited and a sales order is made. The
 * service does not run out of memory; the lake keeps the value whole; the transform leaves
 * that one row out with a report naming its table, key and column, and the other design edit
 * and the new order reach the warehouse; a table that takes long says how far it got.
 */
class HugeValueIT {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    private static final long HUGE = 300L * 1024 * 1024;
    private static final List<String> JVM = List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void seedToteSys() {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 24).seed(0.01);
    }

    @AfterEach
    void restoreToteSys() {
        ToteSysFixture.reset(world);
        DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE design DROP COLUMN IF EXISTS notes");
    }

    @Test
    void aHugeValueIsLeftOutWithAReportWhileTheRestOfItsBatchReachesTheWarehouse() throws IOException {
        runOnce("seed");
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 25);
        DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE design ADD COLUMN notes text",
                "UPDATE design SET notes = repeat('x', " + HUGE + "::int), last_updated = now() WHERE design_id = 1",
                "UPDATE design SET design_name = 'Edited beside the huge one', last_updated = now() "
                        + "WHERE design_id = 2");
        int order = simulator.newSalesOrder().orderId();

        Run huge = runOnce("huge value");

        assertThat(huge.output()).doesNotContain("OutOfMemoryError");
        assertThat(SqlRows.column(warehouse(), "SELECT design_name FROM dim_design WHERE design_id = 2"))
                .containsExactly("Edited beside the huge one");
        assertThat(SqlRows.count(warehouse(), "SELECT count(*) FROM fact_sales_order WHERE sales_order_id = " + order))
                .as("the order made beside the huge value").isEqualTo(1);

        String designObject = ingest.keys("processed/design/").stream().filter(key -> key.endsWith(".csv"))
                .sorted().reduce((first, second) -> second).orElseThrow();
        long lakeBytes = world.s3().headObject(head -> head.bucket(EmbeddedWorld.INGEST_BUCKET).key(designObject))
                .contentLength();
        assertThat(lakeBytes).as("the lake keeps ToteSys's value whole: %s", designObject).isGreaterThan(HUGE);

        List<String> reports = ingest.keys("quarantine/design/").stream().filter(key -> key.endsWith(".error.json"))
                .toList();
        assertThat(reports).as("one report, on the row: the object went on").hasSize(1);
        assertThat(reports.get(0)).endsWith(".row-1.error.json");
        JsonNode report = json.readTree(ingest.read(reports.get(0))).get("object");
        assertThat(report.get("table").asText()).isEqualTo("design");
        assertThat(report.get("row").asLong()).as("the data row in the object").isPositive();
        assertThat(report.get("rowKey").asInt()).isEqualTo(1);
        assertThat(report.get("column").asText()).isEqualTo("notes");
        assertThat(report.get("problem").asText()).startsWith("the value is " + HUGE
                + " characters long, more than ETL_MAX_FIELD_LENGTH (1048576)");
        assertThat(huge.output()).containsPattern("Transform batch \\S+ left out design row \\d+ \\(key 1\\), "
                + "column notes");
        assertThat(huge.output()).as("a table that takes long says how far it got")
                .containsPattern("(Extract|Transform) batch \\S+ still on design: \\d+ rows, [0-9.]+ MiB");
        System.out.printf("[huge-value] the design object %d bytes; run-once %.1f s, peak resident %d MiB%n",
                lakeBytes, huge.seconds(), huge.peakResidentBytes() / (1024 * 1024));
    }

    private Run runOnce(String what) throws IOException {
        Map<String, String> environment = world.runOnceEnvironment();
        environment.put("ETL_PROGRESS_INTERVAL", "1s");
        Instant started = Instant.now();
        PipelineService service = PipelineService.start(environment,
                Files.createTempFile(Path.of("target"), "huge-value-", ".log"), JVM.toArray(String[]::new));
        AtomicLong peak = new AtomicLong();
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
        watch.scheduleAtFixedRate(() -> peak.accumulateAndGet(peakResident(service.pid()), Math::max), 0, 100,
                TimeUnit.MILLISECONDS);
        int exitCode;
        try {
            exitCode = service.awaitExit(RUN_TIMEOUT);
        } finally {
            watch.shutdownNow();
        }
        double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        assertThat(exitCode).as("exit code of the %s run; output:%n%s", what, service.output()).isZero();
        System.out.printf("[huge-value] run-once (%s) exited %d after %.1f s, peak resident %d MiB%n", what, exitCode,
                seconds, peak.get() / (1024 * 1024));
        return new Run(service.output(), seconds, peak.get());
    }

    /** The process's peak resident set so far ({@code VmHWM}); 0 once it has ended. */
    private static long peakResident(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmHWM:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private DataSource warehouse() {
        return world.databases().warehouse();
    }

    private record Run(String output, double seconds, long peakResidentBytes) {
    }
}
