package io.totesys.pipeline.stage;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a stage's route splits a batch's tables over ({@code parallelProcessing} with
 * an {@code executorService}): a fixed number of daemon threads named for the stage, so that
 * the stage holds that many tables' connections and buffers at most.
 */
public final class TableThreads {

    private TableThreads() {
    }

    /** {@code count} threads named {@code <stage>-table-<n>}; the setting must have been checked. */
    public static ExecutorService fixed(String stage, int count) {
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, stage + "-table-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return Executors.newFixedThreadPool(count, factory);
    }
}
