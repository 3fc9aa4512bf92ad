package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/**
 * Watches the live set of another JVM's heap: every period it attaches over JMX, asks for a
 * full collection and reads how much heap is still in use. That is what the process holds on
 * to, unlike the heap in use between collections, which also counts garbage the collector has
 * not reached yet (G1 leaves the old generation alone until it is 45% full). Each collection
 * pauses the process briefly, so the timings of a watched run include them.
 */
final class LiveHeapWatch implements AutoCloseable {

    private final long pid;
    private final AtomicLong peakLiveBytes = new AtomicLong();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "live-heap-watch");
        thread.setDaemon(true);
        return thread;
    });
    private JMXConnector connector;
    private MemoryMXBean memory;

    LiveHeapWatch(long pid, Duration period) {
        this.pid = pid;
        scheduler.scheduleWithFixedDelay(this::measure, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The largest live set seen, in bytes; 0 if none could be measured. */
    long peakLiveBytes() {
        return peakLiveBytes.get();
    }

    private void measure() {
        try {
            if (memory == null) {
                connect();
            }
            memory.gc();
            peakLiveBytes.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        } catch (Exception e) {
            // the process is starting or ending: the next period tries again
            memory = null;
        }
    }

    private void connect() throws Exception {
        VirtualMachine machine = VirtualMachine.attach(Long.toString(pid));
        try {
            JMXServiceURL address = new JMXServiceURL(machine.startLocalManagementAgent());
            connector = JMXConnectorFactory.connect(address);
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
