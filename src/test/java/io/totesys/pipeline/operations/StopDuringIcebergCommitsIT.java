package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineOutcome;
import io.totesys.pipeline.testing.ServiceReadiness;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * A stop (SIGTERM, as on every pod stop) that lands while a batch's Iceberg commits wait on the
 * catalog: the stop waits for them, as it waits for the rest of a batch under way, so that the
 * service exits with the batch in every table it changed and its extract objects archived,
 * nothing left for the next start. Iceberg makes part of each commit on thread pools of its own,
 * which stop at once when the JVM's shutdown begins: the service stops Camel first.
 */
class StopDuringIcebergCommitsIT {

    @Test
    void aStopWhileTheCommitsWaitOnTheCatalogWaitsForThem() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "stop-world-");
        try (EmbeddedWorld world = EmbeddedWorld.start(directory, 0, 0)) {
            ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 41);
            simulator.seed(0.02);
            int port = FreePort.find();
            try (PipelineService service = PipelineService.start(world.serviceEnvironment(port),
                    directory.resolve("service.log"))) {
                new ServiceReadiness(port, service::output).await(Duration.ofSeconds(90), 200);
                PipelineOutcome.awaitCaughtUp(world, Duration.ofMinutes(2));
                DataSource warehouse = world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE);
                String beforeTheStop;
                try (Connection catalogLock = warehouse.getConnection();
                        Statement statement = catalogLock.createStatement()) {
                    catalogLock.setAutoCommit(false);
                    statement.execute("LOCK TABLE iceberg_catalog.iceberg_tables IN ACCESS EXCLUSIVE MODE");
                    for (int change = 0; change < 20; change++) {
                        simulator.change();
                    }
                    Eventually.holds("a batch's commits wait on the catalog", Duration.ofSeconds(60),
                            () -> SqlRows.count(warehouse, """
                                    SELECT count(*) FROM pg_stat_activity
                                     WHERE wait_event_type = 'Lock' AND query LIKE '%iceberg_tables%'""") > 0,
                            () -> "awaited: a session of the service waiting for the catalog's table");
                    beforeTheStop = service.output();
                    ProcessHandle.of(service.pid()).orElseThrow().destroy(); // SIGTERM
                    Eventually.holds("the stop begins", Duration.ofSeconds(30),
                            () -> service.output().contains("Stopping: the batches under way finish"),
                            () -> "awaited: the stop's line");
                    catalogLock.rollback();
                }
                assertThat(service.awaitExit(Duration.ofSeconds(60))).as("the exit code of a process SIGTERM ended")
                        .isEqualTo(143);
                String stop = service.output().substring(beforeTheStop.length());
                assertThat(stop.lines().filter(line -> line.contains("ERROR") || line.contains("WARN")
                        || line.contains("RejectedExecutionException")).toList())
                        .as("lines of the stop that say something failed").isEmpty();
            }
            String loaded = SqlRows.of(world.databases().warehouse(),
                    "SELECT max(batch_id) FROM pipeline.load_batch").get(0);
            String lastLoaded = loaded.substring(1, loaded.length() - 1);
            List<String> waiting = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET)
                    .keys("input/_manifests/");
            assertThat(waiting).as("extract batches left under input/ up to the last one loaded")
                    .noneMatch(key -> LakeLayout.batchIdOf(key).compareTo(lastLoaded) <= 0);
            IcebergTables.assertEqualTheWarehouse(world);
        }
    }
}
