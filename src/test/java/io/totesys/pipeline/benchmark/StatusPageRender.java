package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import io.totesys.pipeline.testing.LongBatchLog;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * The status page with a long batch log: 100,000 batches (each through the three stages,
 * one every 3 s, so that the last day alone holds 28,800), a day of lag samples and a
 * hundred reconciliations are added to the warehouse's pipeline schema beside the run's own,
 * then the running service renders {@code /status} (the newest page) and a page in the
 * middle of the log ({@code ?before=}) over HTTP, timed end to end: every query of the page,
 * the lake's quarantine listing and the template.
 */
public final class StatusPageRender implements ServiceMeasurement {

    static final int BATCHES = 100_000;
    private static final int RENDERS = 20;
    /**
     * One client for every render, HTTP/1.1 as a browser without TLS speaks it: a new client
     * per render offering an upgrade to HTTP/2 once left a render waiting past its request
     * timeout (2026-12-06, the 28th render of a ×20 run, while curl answered in 10 ms).
     */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** The newest page's 95th percentile must stay under this, with {@link #BATCHES} in the log. */
    static final Duration RENDER_TARGET = Duration.ofSeconds(1);

    /** Median and 95th percentile of the renders of the newest page and of one deep in the log. */
    public record Result(int batches, Duration newestMedian, Duration newestP95, Duration deepMedian,
            Duration deepP95) implements ReportSection {

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "status page with %,d batches in the log: newest page %d ms (p95 %d ms), a page deep in the log "
                            + "%d ms (p95 %d ms)",
                    batches, newestMedian.toMillis(), newestP95.toMillis(), deepMedian.toMillis(), deepP95.toMillis());
        }

        @Override
        public String markdown() {
            return String.format(Locale.ROOT, """
                    ## The status page with a long batch log

                    | page | median | p95 |
                    |---|---:|---:|
                    | `/status`, the newest batches | %d ms | %d ms |
                    | `/status?before=...`, half way down the log | %d ms | %d ms |

                    With %,d batches added to the pipeline schema (each through the three stages, one every
                    3 s, so that the last day alone holds 28,800), a day of lag samples and a hundred
                    reconciliations, while the service runs on after the incremental latency: %d renders of
                    each page over HTTP, end to end (every query, the lake's quarantine listing, the template).

                    """, newestMedian.toMillis(), newestP95.toMillis(), deepMedian.toMillis(), deepP95.toMillis(),
                    batches, RENDERS);
        }

        @Override
        public List<Target> targets() {
            return List.of(Target.atMost(String.format(Locale.ROOT, "status page p95 at most %d ms with %,d batches",
                    RENDER_TARGET.toMillis(), batches), newestP95.toMillis(), RENDER_TARGET.toMillis(),
                    newestP95.toMillis() + " ms"));
        }
    }

    @Override
    public ReportSection measure(EmbeddedWorld world, URI service) throws InterruptedException {
        DataSource warehouse = world.databases().warehouse();
        try {
            Instant filling = Instant.now();
            LongBatchLog.add(warehouse, BATCHES);
            Benchmark.say("Added " + BATCHES + " batches to the log in " + Duration.between(filling, Instant.now())
                    + "; rendering the status page ...");
            String page = service.resolve("/status").toString();
            String deep = SqlRows.text(warehouse, "SELECT batch_id FROM pipeline.extract_batch ORDER BY batch_id "
                    + "OFFSET " + BATCHES / 2 + " LIMIT 1");
            render(page); // the first render compiles the template and warms the connections
            List<Duration> newest = renders(page);
            List<Duration> deepPages = renders(page + "?before=" + deep);
            Result result = new Result(BATCHES, percentile(newest, 50), percentile(newest, 95),
                    percentile(deepPages, 50), percentile(deepPages, 95));
            Benchmark.say(result.toString());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("the status page did not answer", e);
        }
    }

    private static List<Duration> renders(String address) throws IOException, InterruptedException {
        List<Duration> durations = new ArrayList<>();
        for (int render = 0; render < RENDERS; render++) {
            durations.add(render(address));
        }
        return durations;
    }

    private static Duration render(String address) throws IOException, InterruptedException {
        Instant started = Instant.now();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(address))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        Duration took = Duration.between(started, Instant.now());
        if (response.statusCode() != 200 || !response.body().contains("id=\"batches\"")) {
            throw new IllegalStateException("the status page did not render its batches: " + response.statusCode()
                    + " " + response.body());
        }
        return took;
    }

    private static Duration percentile(List<Duration> durations, int percent) {
        List<Duration> sorted = durations.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }
}
