package io.totesys.pipeline.world;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) running in a process of
 * its own, from a working directory of its own, configured only through environment
 * variables, as a user runs it.
 */
public final class PipelineService implements AutoCloseable {

    public static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final Path log;

    private PipelineService(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the service with the given environment. Its output goes to the log file, or
     * to this process's own output when the log is {@code null}.
     */
    public static PipelineService start(Map<String, String> environment, Path log, String... jvmOptions) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: package the service first (./mvnw package)");
        }
        List<String> command = JavaProcess.command("-Duser.timezone=UTC");
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        // From a working directory of its own, as a user may run it: the service needs no file of the project.
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(workingDirectory());
        builder.environment().putAll(environment);
        if (log == null) {
            builder.inheritIO();
        } else {
            builder.redirectOutput(log.toFile());
        }
        try {
            return new PipelineService(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("starting the packaged service failed", e);
        }
    }

    /** What one of the operator's commands did: its exit code, what it printed, its peak resident memory. */
    public record CommandRun(int exitCode, String output, long peakResidentBytes) {

        /** What it printed, less the JVM's own warnings. */
        public List<String> lines() {
            return output.lines().filter(line -> !line.isBlank() && !line.startsWith("WARNING:")).toList();
        }
    }

    /**
     * Runs one of the operator's commands ({@code java -jar quarkus-run.jar <command> ...}) with
     * the given environment, as the service's own, and waits for it to exit.
     */
    public static CommandRun command(Map<String, String> environment, Duration timeout, String... arguments) {
        try {
            Path output = Files.createTempFile("totesys-pipeline-command-", ".log");
            List<String> command = JavaProcess.command("-Duser.timezone=UTC", "-Xmx96m", "-jar",
                    JAR.toAbsolutePath().toString());
            command.addAll(List.of(arguments));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .directory(workingDirectory()).redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            PipelineService process = new PipelineService(builder.start(), output);
            AtomicLong peak = new AtomicLong();
            ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
            watch.scheduleAtFixedRate(() -> peak.accumulateAndGet(peakResident(process.pid()), Math::max), 0, 100,
                    TimeUnit.MILLISECONDS);
            try {
                int exitCode = process.awaitExit(timeout);
                return new CommandRun(exitCode, process.output(), peak.get());
            } finally {
                watch.shutdownNow();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("running the command " + List.of(arguments) + " failed", e);
        }
    }

    /** A process's peak resident set so far ({@code VmHWM}); 0 once it has ended. */
    private static long peakResident(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmHWM:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).findFirst().orElse(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static File workingDirectory() {
        try {
            return Files.createTempDirectory("totesys-pipeline-working-directory-").toFile();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the service to exit by itself and returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "the service did not exit within " + timeout + "; output:\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the service", e);
        }
    }

    /** The operating system's id of the service's process. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** What the service printed so far. */
    public String output() {
        try {
            return log == null ? "" : Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the service at once (SIGKILL), as a crash would. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** Stops the service gracefully (SIGTERM). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
