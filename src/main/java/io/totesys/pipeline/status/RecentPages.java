package io.totesys.pipeline.status;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The status page as it was read in the last {@code ETL_STATUS_CACHE}, by query: however many
 * view it, each query is read at most once in that time (single flight), and one read at a time
 * (the page's pool holds one connection). A view that finds its page older starts a new read,
 * unless another view is reading it already: then it answers with the page it has, or, when it
 * has none yet, waits for that read. A read that finds the connection busy with another query's
 * read answers with the page it has, or waits at most {@code ETL_STATUS_CONNECTION_TIMEOUT} and
 * gives up with a {@link StatusPageBusyException} (503). So N concurrent viewers cost one read,
 * and a view never waits on a stage nor a stage on a view.
 */
@ApplicationScoped
class RecentPages {

    /** The most queries ({@code ?before=}, {@code ?after=}) whose pages are kept. */
    static final int KEPT = 16;
    /** How long a view waits for the read of its page that another view started (each statement stops at 10 s). */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private record Query(String before, String after) {
    }

    private record Read(StatusView view, long readAt) {
    }

    private final StatusPage page;
    private final long freshFor;
    private final long connectionTimeout;
    /** The page's own connection (its pool holds one): one read at a time. */
    private final Semaphore connection = new Semaphore(1, true);
    private final Map<Query, CompletableFuture<StatusView>> inFlight = new HashMap<>();
    private final Map<Query, Read> pages = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Query, Read> eldest) {
            return size() > KEPT;
        }
    };

    RecentPages(StatusPage page, StatusSettings settings) {
        this.page = page;
        this.freshFor = settings.cache().toNanos();
        this.connectionTimeout = settings.connectionTimeout().toNanos();
    }

    /** The page of a query, read within the last {@code ETL_STATUS_CACHE} when another view has it. */
    StatusView page(String before, String after) {
        Query query = new Query(before, after);
        Read known;
        CompletableFuture<StatusView> reading;
        boolean reader;
        synchronized (pages) {
            known = pages.get(query);
            if (known != null && fresh(known)) {
                return known.view();
            }
            reading = inFlight.get(query);
            reader = reading == null;
            if (reader) {
                reading = new CompletableFuture<>();
                inFlight.put(query, reading);
            }
        }
        if (!reader) {
            // another view reads this page now: the page it had meanwhile, or that read's
            return known != null ? known.view() : await(reading);
        }
        try {
            StatusView view = read(query, known);
            reading.complete(view);
            return view;
        } catch (RuntimeException e) {
            reading.completeExceptionally(e);
            throw e;
        } finally {
            synchronized (pages) {
                inFlight.remove(query);
            }
        }
    }

    /** Reads the page once the connection is free; while another query's read holds it, the page known. */
    private StatusView read(Query query, Read known) {
        boolean mayRead = known != null ? connection.tryAcquire() : acquire();
        if (!mayRead) {
            if (known != null) {
                return known.view();
            }
            throw new StatusPageBusyException("the status page's connection to the warehouse is reading another "
                    + "page and was not free within ETL_STATUS_CONNECTION_TIMEOUT; try again in a moment");
        }
        try {
            StatusView view = page.read(query.before(), query.after());
            synchronized (pages) {
                pages.put(query, new Read(view, System.nanoTime()));
            }
            return view;
        } finally {
            connection.release();
        }
    }

    /** The page another view is reading, once it is read; at most {@link #PATIENCE}. */
    private static StatusView await(CompletableFuture<StatusView> reading) {
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

    private Read known(Query query) {
        synchronized (pages) {
            return pages.get(query);
        }
    }

    private boolean fresh(Read read) {
        return System.nanoTime() - read.readAt() < freshFor;
    }
}
