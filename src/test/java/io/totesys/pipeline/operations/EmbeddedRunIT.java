package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

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
 * embedded world and the packaged service, the simulator changes ToteSys, and Ctrl+C stops
 * everything. The stop lets the batches under way finish before the databases and the S3 server
 * go, leaves nothing running, and the lake's Iceberg tables, read through Iceberg from the world
 * the run left, hold what the warehouse holds.
 * <p>
 * A terminal's Ctrl+C is SIGINT to every process of its foreground group: the launcher runs in a
 * group of its own, which the test signals so. A process started with SIGINT ignored (a
 * background job of a shell) cannot take one, nor can its children; there the test stops the
 * launcher as {@code kill} does, with SIGTERM.
 */
class EmbeddedRunIT {

    private static final int BATCHES = 3;
    /** A log line at level ERROR or WARN: {@code 2026-12-08 00:53:19,143 WARN  [logger] ...}. */
    private static final Pattern FAILURE_LINE = Pattern.compile("^\\S+ \\S+ (ERROR|WARN) ");

    @Test
    void theEmbeddedRunFillsTheLakesTablesAndTheWarehouseAlikeAndStopsCleanly() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-run-");
        Path worldDirectory = directory.resolve("world");
        Path output = directory.resolve("embedded.log");
        boolean ownGroup = JavaProcess.startsSessions();
        List<String> command = JavaProcess.inASessionOfItsOwn(JavaProcess.command("-Duser.timezone=UTC",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-D" + JavaProcess.OPTIONS_PROPERTY + "=" + System.getProperty(JavaProcess.OPTIONS_PROPERTY, ""),
                "-cp", System.getProperty("java.class.path"), RunEmbedded.class.getName(),
                "--scale", "0.02", "--rate", "5", "--poll-interval", "1s",
                "--postgres-port", String.valueOf(FreePort.find()), "--s3-port", String.valueOf(FreePort.find()),
                "--http-port", String.valueOf(FreePort.find()), "--jolokia-port", String.valueOf(FreePort.find()),
                "--directory", worldDirectory.toString()));
        Process launcher = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        List<ProcessHandle> started = new ArrayList<>();
        try {
            Eventually.holds(BATCHES + " batches loaded", Duration.ofMinutes(2),
                    () -> !launcher.isAlive() || loadedBatches(output) >= BATCHES,
                    () -> "awaited: " + BATCHES + " 'Load batch ... committed' lines; output:\n" + read(output));
            assertThat(launcher.isAlive()).as("the launcher runs; output:%n%s", read(output)).isTrue();
            started.addAll(launcher.descendants().toList());
            ProcessHandle postgres = postmaster(worldDirectory).orElseThrow();
            assertThat(started.stream().map(EmbeddedRunIT::commandLine))
                    .as("the service and s3proxy, started by the launcher")
                    .anyMatch(line -> line.contains("quarkus-run.jar")).anyMatch(line -> line.contains("s3proxy"));
            String beforeTheStop = read(output);

            boolean interrupt = ownGroup && !ignoresInterrupts(launcher.pid());
            System.out.println("EmbeddedRunIT stops the launcher with " + (interrupt ? "SIGINT to its group, as Ctrl+C"
                    : "SIGTERM: SIGINT is ignored where the test runs"));
            if (interrupt) {
                signal("-INT", "-" + launcher.pid()); // Ctrl+C: the launcher's whole group
            } else {
                launcher.destroy(); // SIGTERM, as kill stops it
            }

            assertThat(launcher.waitFor(90, TimeUnit.SECONDS)).as("the launcher exits; output:%n%s", read(output))
                    .isTrue();
            assertThat(launcher.exitValue()).as("the exit code of a process %s ended", interrupt ? "SIGINT" : "SIGTERM")
                    .isEqualTo(interrupt ? 130 : 143);
            String stop = read(output).substring(beforeTheStop.length());
            assertThat(stop).as("the service's stop").contains("Stopping: the batches under way finish")
                    .contains("totesys-pipeline stopped in ");
            assertThat(stop.lines().filter(line -> FAILURE_LINE.matcher(line).find()).toList())
                    .as("lines of the stop that say something failed").isEmpty();
            assertThat(started.stream().filter(ProcessHandle::isAlive).map(EmbeddedRunIT::commandLine).toList())
                    .as("processes the launcher started, left running").isEmpty();
            Eventually.holds("PostgreSQL stopped", Duration.ofSeconds(10), () -> !postgres.isAlive(),
                    () -> "awaited: the postmaster " + postgres.pid() + " gone");
        } finally {
            stopWhatIsLeft(launcher, started, worldDirectory);
        }
        assertThat(read(output)).as("the settings with which Spark and Trino read the tables")
                .contains("spark.sql.catalog.totesys.uri=").contains("iceberg.jdbc-catalog.connection-url=");

        try (EmbeddedWorld world = EmbeddedWorld.start(worldDirectory, 0, 0)) {
            assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.load_batch"))
                    .as("batches in the load log of the world the run left").isGreaterThanOrEqualTo(BATCHES);
            assertThat(IcebergTables.assertEqualTheWarehouse(world)).as("rows compared").isPositive();
        }
    }

    /**
     * After a failed assertion: the launcher stopped as a user would (its hook stops the service,
     * then the world), then whatever it left killed; PostgreSQL runs in a session of its own.
     */
    private static void stopWhatIsLeft(Process launcher, List<ProcessHandle> started, Path worldDirectory)
            throws InterruptedException {
        List<ProcessHandle> left = new ArrayList<>(started);
        left.addAll(launcher.descendants().toList());
        if (launcher.isAlive()) {
            launcher.destroy();
            launcher.waitFor(60, TimeUnit.SECONDS);
        }
        launcher.destroyForcibly();
        left.forEach(ProcessHandle::destroyForcibly);
        postmaster(worldDirectory).ifPresent(ProcessHandle::destroy);
    }

    /** The world's PostgreSQL, by the process id in its data directory's {@code postmaster.pid}. */
    private static Optional<ProcessHandle> postmaster(Path worldDirectory) {
        Path pidFile = worldDirectory.resolve("postgres").resolve("postmaster.pid");
        try {
            return Files.readAllLines(pidFile).stream().findFirst().map(String::strip).map(Long::parseLong)
                    .flatMap(ProcessHandle::of);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not started, or stopped and its file gone
        }
    }

    /** Whether the process ignores SIGINT, as its {@code /proc} status says ({@code SigIgn}, bit 2). */
    private static boolean ignoresInterrupts(long pid) throws IOException {
        String ignored = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith("SigIgn:")).findFirst().orElseThrow().substring("SigIgn:".length())
                .strip();
        return (Long.parseUnsignedLong(ignored, 16) & (1L << 1)) != 0;
    }

    private static void signal(String signal, String target) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, "--", target).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill %s -- %s", signal, target)
                .isTrue();
    }

    private static String commandLine(ProcessHandle process) {
        return process.info().commandLine().orElse(String.valueOf(process.pid()));
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
