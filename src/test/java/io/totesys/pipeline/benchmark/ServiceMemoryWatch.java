package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/**
 * Watches the memory of the service's process while it runs, two ways.
 * <ul>
 * <li>Its peak resident set size, {@code VmHWM} in {@code /proc/<pid>/status}: the kernel keeps
 * the high-water mark, so the last reading before the process ends is its peak.</li>
 * <li>The live set of its heap: every period it asks the JVM, over JMX, for a full collection
 * and reads how much heap is still in use. That is what the service holds on to, unlike the
 * heap in use between collections, which also counts garbage the collector has not reached
 * yet (G1 leaves the old generation alone until it is 45% full). Each collection pauses the
 * service briefly, so the timings of a watched run include them. At each new peak, the
 * heap's class histogram says what the live set is made of.</li>
 * </ul>
 */
final class ServiceMemoryWatch implements AutoCloseable {

    private static final Duration RESIDENT_PERIOD = Duration.ofMillis(200);

    private final long pid;
    private final Path status;
    private final AtomicLong peakResidentBytes = new AtomicLong();
    private final AtomicLong peakLiveHeapBytes = new AtomicLong();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "service-memory-watch");
        thread.setDaemon(true);
        return thread;
    });
    private final Path histogram;
    private JMXConnector connector;
    private MemoryMXBean memory;

    /**
     * Starts watching the process; whenever its live heap reaches a new peak, the class
     * histogram of the heap goes to the histogram file.
     */
    ServiceMemoryWatch(long pid, Duration liveHeapPeriod, Path histogram) {
        this.pid = pid;
        this.histogram = histogram;
        this.status = Path.of("/proc", Long.toString(pid), "status");
        scheduler.scheduleAtFixedRate(this::readResident, 0, RESIDENT_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::measureLiveHeap, liveHeapPeriod.toMillis(), liveHeapPeriod.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The peak resident set size seen so far, in bytes; 0 where {@code /proc} is not available. */
    long peakResidentBytes() {
        return peakResidentBytes.get();
    }

    /** The largest live set of the heap seen so far, in bytes; 0 if none could be measured. */
    long peakLiveHeapBytes() {
        return peakLiveHeapBytes.get();
    }

    private void readResident() {
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

    private void measureLiveHeap() {
        try {
            if (memory == null) {
                connect();
            }
            memory.gc();
            long live = memory.getHeapMemoryUsage().getUsed();
            if (live > peakLiveHeapBytes.get()) {
                peakLiveHeapBytes.set(live);
                Files.writeString(histogram, (String) connector.getMBeanServerConnection().invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                        new Object[] {new String[] {"-all"}}, new String[] {String[].class.getName()}));
            }
        } catch (Exception e) {
            // the process is starting or ending: the next period tries again
            memory = null;
        }
    }

    private void connect() throws Exception {
        VirtualMachine machine = VirtualMachine.attach(Long.toString(pid));
        try {
            connector = JMXConnectorFactory.connect(new JMXServiceURL(machine.startLocalManagementAgent()));
            memory = ManagementFactory.newPlatformMXBeanProxy(connector.getMBeanServerConnection(),
                    ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        } finally {
            machine.detach();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException e) {
                // the process has ended
            }
        }
    }
}
