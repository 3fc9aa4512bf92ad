package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches a process's peak resident set size ({@code VmHWM} in {@code /proc/<pid>/status})
 * while it runs: the kernel keeps the high-water mark, so the last reading before the
 * process ends is its peak.
 */
final class ProcessMemoryWatch implements AutoCloseable {

    private final Path status;
    private final AtomicLong peakResidentBytes = new AtomicLong();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "process-memory-watch");
        thread.setDaemon(true);
        return thread;
    });

    ProcessMemoryWatch(long pid) {
        this.status = Path.of("/proc", Long.toString(pid), "status");
        scheduler.scheduleAtFixedRate(this::read, 0, 200, TimeUnit.MILLISECONDS);
    }

    /** The peak resident set size seen so far, in bytes; 0 where {@code /proc} is not available. */
    long peakResidentBytes() {
        return peakResidentBytes.get();
    }

    private void read() {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    long kilobytes = Long.parseLong(line.replaceAll("\\D", ""));
                    peakResidentBytes.accumulateAndGet(kilobytes * 1024, Math::max);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process has ended, or this system has no /proc
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
