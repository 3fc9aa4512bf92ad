package io.totesys.pipeline.status;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;

/**
 * The status page as it was read and rendered in the last {@code ETL_STATUS_CACHE}, by query:
 * however many view it, each query is read at most once in that time (single flight), and one
 * read at a time (the page's pool holds one connection). A view that finds its page older gets
 * it at once while a read in the background brings it up to date; a view of a page never read
 * waits for its read, which waits for the connection at most {@code ETL_STATUS_CONNECTION_TIMEOUT}
 * (another query's read holds it) and then gives up with a {@link StatusPageBusyException}
 * (503). A page read while readiness said otherwise (a dependency went down or came back since)
 * is not shown: its viewers wait for a new read. So N concurrent viewers cost one read and one
 * rendering, and a view never waits on a stage nor a stage on a view.
 */
@ApplicationScoped
class RecentPages {

    /** The most queries ({@code ?before=}, {@code ?after=}) whose pages are kept. */
    static final int KEPT = 16;
    /** How long a view waits for the read of its page that another view started (each statement stops at 10 s). */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private record Query(String before, String after) {
    }

    /** A page as read, with readiness as it was then. */
    private record Read(String html, long readAt, Map<String, String> readiness) {
    }

    private final StatusPage page;
    private final Template status;
    private final long freshFor;
    private final long connectionTimeout;
    /** The page's own connection (its pool holds one): one read at a time. */
    private final Semaphore connection = new Semaphore(1, true);
    private final Map<Query, CompletableFuture<String>> inFlight = new HashMap<>();
    private final Map<Query, Read> pages = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Query, Read> eldest) {
            return size() > KEPT;
        }
    };
    /** Brings pages up to date while their viewers get the last one: one at a time, a few waiting at most. */
    private final ThreadPoolExecutor refresher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(KEPT), runnable -> {
                Thread thread = new Thread(runnable, "status-page-refresh");
                thread.setDaemon(true);
                return thread;
            });

    RecentPages(StatusPage page, @Location("status.html") Template status, StatusSettings settings) {
        this.page = page;
        this.status = status;
        this.freshFor = settings.cache().toNanos();
        this.connectionTimeout = settings.connectionTimeout().toNanos();
    }

    @PreDestroy
    void stop() {
        refresher.shutdownNow();
    }

    /** The page of a query as HTML, read within the last {@code ETL_STATUS_CACHE} when another view has it. */
    String page(String before, String after) {
        Query query = new Query(before, after);
        CompletableFuture<String> reading;
        boolean reader = false;
        Map<String, String> readiness = page.readiness();
        synchronized (pages) {
            Read known = pages.get(query);
            // a page read while readiness said otherwise (a dependency went down or came back) is not shown
            if (known != null && known.readiness().equals(readiness)) {
                if (System.nanoTime() - known.readAt() >= freshFor && !inFlight.containsKey(query)) {
                    CompletableFuture<String> refresh = new CompletableFuture<>();
                    try {
                        refresher.execute(() -> read(query, refresh, known.html()));
                        inFlight.put(query, refresh);
                    } catch (RejectedExecutionException e) {
                        // enough refreshes wait already (or the service stops): a later view asks again
                    }
                }
                return known.html();
            }
            reading = inFlight.get(query);
            if (reading == null) {
                reading = new CompletableFuture<>();
                inFlight.put(query, reading);
                reader = true;
            }
        }
        if (reader) {
            // read in this view's thread, the other views of the same query waiting for it
            read(query, reading, null);
        }
        return await(reading);
    }

    /**
     * Reads the page once the connection is free, and keeps it. A view's read ({@code lastPage}
     * null) waits for the connection at most {@code ETL_STATUS_CONNECTION_TIMEOUT}; a refresh
     * does not wait, and its page stays the last one.
     */
    private void read(Query query, CompletableFuture<String> reading, String lastPage) {
        try {
            if (lastPage != null && !connection.tryAcquire()) {
                reading.complete(lastPage);
                return;
            }
            if (lastPage == null && !acquire()) {
                reading.completeExceptionally(new StatusPageBusyException("the status page's connection to the "
                        + "warehouse is reading another page and was not free within "
                        + "ETL_STATUS_CONNECTION_TIMEOUT; try again in a moment"));
                return;
            }
            try {
                Map<String, String> readiness = page.readiness();
                String html = status.data("view", page.read(query.before(), query.after())).render();
                synchronized (pages) {
                    pages.put(query, new Read(html, System.nanoTime(), readiness));
                }
                reading.complete(html);
            } finally {
                connection.release();
            }
        } catch (RuntimeException e) {
            reading.completeExceptionally(e);
        } finally {
            synchronized (pages) {
                inFlight.remove(query, reading);
            }
        }
    }

    /** The page another view (or this one) is reading, once it is read; at most {@link #PATIENCE}. */
    private static String await(CompletableFuture<String> reading) {
        try {
            return reading.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new StatusPageBusyException("the status page is being read for another viewer and was not read "
                    + "within " + PATIENCE.toSeconds() + " s; try again in a moment");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StatusPageBusyException("the view was stopped while the status page was being read");
        }
    }

    private boolean acquire() {
        try {
            return connection.tryAcquire(connectionTimeout, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
