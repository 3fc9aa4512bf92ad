package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FreePort;
import io.totesys.pipeline.world.JavaProcess;
import io.totesys.pipeline.world.RunEmbedded;

/**
 * The README's first command as a user runs it: the launcher ({@link RunEmbedded}) starts the
 * embedded world and the packaged service, the simulator changes ToteSys, and Ctrl+C (a TERM
 * signal) stops everything. The stop lets the batches under way finish before the databases and
 * the S3 server go, leaves nothing running, and the lake's Iceberg tables, read through Iceberg
 * from the world the run left, hold what the warehouse holds.
 */
class EmbeddedRunIT {

    private static final int BATCHES = 3;

    @Test
    void theEmbeddedRunFillsTheLakesTablesAndTheWarehouseAlikeAndStopsCleanly() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-run-");
        Path worldDirectory = directory.resolve("world");
        Path output = directory.resolve("embedded.log");
        List<String> command = JavaProcess.command("-Duser.timezone=UTC",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-D" + JavaProcess.OPTIONS_PROPERTY + "=" + System.getProperty(JavaProcess.OPTIONS_PROPERTY, ""),
                "-cp", System.getProperty("java.class.path"), RunEmbedded.class.getName(),
                "--scale", "0.02", "--rate", "5", "--poll-interval", "1s",
                "--postgres-port", String.valueOf(FreePort.find()), "--s3-port", String.valueOf(FreePort.find()),
                "--directory", worldDirectory.toString());
        Process launcher = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        try {
            Eventually.holds(BATCHES + " batches loaded", Duration.ofMinutes(2),
                    () -> !launcher.isAlive() || loadedBatches(output) >= BATCHES,
                    () -> "awaited: " + BATCHES + " 'Load batch ... committed' lines; output:\n" + read(output));
            assertThat(launcher.isAlive()).as("the launcher runs; output:%n%s", read(output)).isTrue();
            List<ProcessHandle> started = launcher.descendants().toList();
            assertThat(started).as("the service and the S3 server, started by the launcher").isNotEmpty();
            assertThat(naming(worldDirectory))
                    .as("PostgreSQL's and s3proxy's processes, which name their data's directory")
                    .isNotEmpty();
            String beforeTheStop = read(output);

            launcher.destroy(); // SIGTERM, as Ctrl+C in a terminal stops it

            assertThat(launcher.waitFor(90, TimeUnit.SECONDS)).as("the launcher exits; output:%n%s", read(output))
                    .isTrue();
            assertThat(launcher.exitValue()).as("the exit code of a process SIGTERM ended").isEqualTo(143);
            String stop = read(output).substring(beforeTheStop.length());
            assertThat(stop).as("the service's stop").contains("Stopping: the batches under way finish")
                    .contains("totesys-pipeline stopped in ");
            assertThat(stop.lines().filter(line -> line.contains("ERROR") || line.contains("WARN")).toList())
                    .as("lines of the stop that say something failed").isEmpty();
            assertThat(started.stream().filter(ProcessHandle::isAlive).map(process -> process.info().commandLine()
                    .orElse(String.valueOf(process.pid()))).toList())
                    .as("processes the launcher started, left running").isEmpty();
            assertThat(naming(worldDirectory)).as("PostgreSQL and s3proxy, left running").isEmpty();
        } finally {
            launcher.destroyForcibly();
        }
        assertThat(read(output)).as("the settings with which Spark and Trino read the tables")
                .contains("spark.sql.catalog.totesys.uri=").contains("iceberg.jdbc-catalog.connection-url=");

        try (EmbeddedWorld world = EmbeddedWorld.start(worldDirectory, 0, 0)) {
            assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.load_batch"))
                    .as("batches in the load log of the world the run left").isGreaterThanOrEqualTo(BATCHES);
            assertThat(IcebergTables.assertEqualTheWarehouse(world)).as("rows compared").isPositive();
        }
    }

    /** The command lines of the running processes that name the directory (PostgreSQL's {@code -D}, s3proxy's properties). */
    private static List<String> naming(Path directory) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .flatMap(process -> process.info().commandLine().stream())
                .filter(line -> line.contains(directory.toString())).toList();
    }

    private static long loadedBatches(Path output) {
        return read(output).lines().filter(line -> line.contains("Load batch ") && line.contains(" committed"))
                .count();
    }

    private static String read(Path output) {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
