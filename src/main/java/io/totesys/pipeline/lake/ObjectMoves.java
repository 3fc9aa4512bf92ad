package io.totesys.pipeline.lake;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The objects of a batch moved at once, a few at a time: each move is a copy S3 makes on its
 * side and a delete, so the moves of a batch's objects wait on S3 side by side instead of one
 * after another. {@link #awaitAll()} returns once every move ended, and throws the first
 * failure (with the others suppressed in it) after all of them did, so that the caller moves
 * nothing further, such as the batch's manifest, while an object may still be on its way.
 */
final class ObjectMoves {

    /** How many objects move at once; the threads go when no batch is being archived. */
    static final int AT_ONCE = 4;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadPoolExecutor MOVERS = movers();

    private final List<CompletableFuture<Void>> moves = new ArrayList<>();

    /** Starts a move. */
    void start(Runnable move) {
        moves.add(CompletableFuture.runAsync(move, MOVERS));
    }

    /** Waits until every move started ended; throws the first failure once they all did. */
    void awaitAll() {
        RuntimeException failure = null;
        for (CompletableFuture<Void> move : moves) {
            try {
                move.join();
            } catch (CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException runtime ? runtime
                        : new LakeObjectException(String.valueOf(e.getCause().getMessage()), e.getCause());
                if (failure == null) {
                    failure = cause;
                } else if (failure != cause) {
                    failure.addSuppressed(cause);
                }
            }
        }
        moves.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static ThreadPoolExecutor movers() {
        ThreadPoolExecutor movers = new ThreadPoolExecutor(AT_ONCE, AT_ONCE, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "lake-object-move-" + THREADS.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        movers.allowCoreThreadTimeOut(true);
        return movers;
    }
}
