package io.totesys.pipeline.benchmark;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * How long a change in ToteSys takes to reach the warehouse while the service runs and
 * ToteSys changes at a steady rate. Once a second, one of the changes is a new sales order
 * whose commit is timed; the warehouse is watched for its fact row. Each such order is one
 * sample, from its commit to the moment its row is first seen in the warehouse.
 *
 * @param samples each timed order's latency
 * @param missed timed orders that had not reached the warehouse when the watch ended
 * @param changes how many changes ToteSys took meanwhile
 * @param changesPerSecond the steady rate of changes
 */
public record IncrementalLatency(List<Duration> samples, int missed, long changes, double changesPerSecond) {

    private static final Duration WATCH_PERIOD = Duration.ofMillis(100);

    public static IncrementalLatency measure(ToteSysSimulator simulator, DataSource warehouse, double changesPerSecond,
            Duration duration, Duration patience) throws InterruptedException {
        Map<Integer, Long> inFlight = new ConcurrentHashMap<>();
        List<Duration> samples = new ArrayList<>();
        AtomicLong changes = new AtomicLong();
        long timedEvery = Math.max(1, Math.round(changesPerSecond));
        ScheduledExecutorService changer = Executors.newSingleThreadScheduledExecutor();
        changer.scheduleAtFixedRate(() -> {
            try {
                if (changes.getAndIncrement() % timedEvery == 0) {
                    int orderId = simulator.newSalesOrder().orderId();
                    inFlight.put(orderId, System.nanoTime());
                } else {
                    simulator.change();
                }
            } catch (RuntimeException e) {
                System.err.println("[benchmark] a change to ToteSys failed: " + e.getMessage());
            }
        }, 0, (long) (1_000_000 / changesPerSecond), TimeUnit.MICROSECONDS);
        long changesEnd = System.nanoTime() + duration.toNanos();
        try {
            while (System.nanoTime() < changesEnd) {
                watch(warehouse, inFlight, samples);
                Thread.sleep(WATCH_PERIOD.toMillis());
            }
        } finally {
            changer.shutdown();
            changer.awaitTermination(10, TimeUnit.SECONDS);
        }
        long watchEnd = System.nanoTime() + patience.toNanos();
        while (!inFlight.isEmpty() && System.nanoTime() < watchEnd) {
            watch(warehouse, inFlight, samples);
            Thread.sleep(WATCH_PERIOD.toMillis());
        }
        return new IncrementalLatency(List.copyOf(samples), inFlight.size(), changes.get(), changesPerSecond);
    }

    /** Looks for the orders in flight among the warehouse's sales facts. */
    private static void watch(DataSource warehouse, Map<Integer, Long> inFlight, List<Duration> samples) {
        if (inFlight.isEmpty()) {
            return;
        }
        try (Connection connection = warehouse.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT DISTINCT sales_order_id FROM fact_sales_order WHERE sales_order_id = ANY (?)")) {
            Array ids = connection.createArrayOf("integer", inFlight.keySet().toArray());
            query.setArray(1, ids);
            try (ResultSet arrived = query.executeQuery()) {
                long seen = System.nanoTime();
                while (arrived.next()) {
                    Long committed = inFlight.remove(arrived.getInt(1));
                    if (committed != null) {
                        samples.add(Duration.ofNanos(seen - committed));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("watching the warehouse failed: " + e.getMessage(), e);
        }
    }

    public Duration percentile(double percent) {
        if (samples.isEmpty()) {
            return Duration.ZERO;
        }
        List<Duration> sorted = samples.stream().sorted().toList();
        int index = (int) Math.ceil(percent / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }
}
