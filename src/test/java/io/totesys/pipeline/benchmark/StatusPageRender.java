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

import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.world.DatabaseServer;
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
            fillTheBatchLog(warehouse);
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

    /** Batches every 3 s back from a minute ago, each extracted, transformed and loaded. */
    private static void fillTheBatchLog(DataSource warehouse) {
        DatabaseServer.execute(warehouse, """
                CREATE TEMPORARY TABLE IF NOT EXISTS status_benchmark_batch AS
                SELECT to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISSMS"Z"') || '-'
                           || lpad(to_hex(n), 6, '0') AS batch_id, at, n
                  FROM (SELECT n, now() - interval '1 minute' - n * interval '3 seconds' AS at
                          FROM generate_series(1, %d) AS n) AS batches""".formatted(BATCHES),
                """
                        INSERT INTO pipeline.extract_batch (batch_id, status, high_water, row_count, started_at, finished_at)
                        SELECT batch_id, 'PUBLISHED', at AT TIME ZONE 'UTC', 40, at, at + interval '300 ms'
                          FROM status_benchmark_batch""",
                """
                        INSERT INTO pipeline.stage_run (stage, batch_id, started_at, finished_at, row_count, row_counts, lag_seconds)
                        SELECT stage, batch_id, at + offset_ms * interval '1 ms', at + (offset_ms + 300) * interval '1 ms',
                               40, '{"sales_order": 20, "payment": 12, "transaction": 8}',
                               CASE WHEN stage = 'load' THEN 2 + n % 7 END
                          FROM status_benchmark_batch,
                               (VALUES ('extract', 0), ('transform', 400), ('load', 800)) AS stages (stage, offset_ms)""",
                """
                        INSERT INTO pipeline.load_batch (batch_id, loaded_at, high_water, row_counts)
                        SELECT batch_id, at + interval '1100 ms', at AT TIME ZONE 'UTC', '{"fact_sales_order": 20}'
                          FROM status_benchmark_batch""",
                """
                        INSERT INTO pipeline.freshness_sample (sampled_at, lag_seconds)
                        SELECT now() - n * interval '30 seconds', 2 + n % 5 FROM generate_series(1, 2880) AS n
                        ON CONFLICT DO NOTHING""",
                """
                        INSERT INTO pipeline.reconcile_run (run_id, table_name, started_at, finished_at, compared,
                                                            pending, missing, extra, changed, adopted)
                        SELECT 'benchmark-' || run, table_name, now() - run * interval '1 hour',
                               now() - run * interval '1 hour' + interval '1 second', 1000, 0, 0, 0, 0, 0
                          FROM generate_series(1, 100) AS run,
                               unnest(ARRAY['address', 'payment', 'sales_order', 'staff']) AS table_name""",
                "ANALYZE pipeline.extract_batch", "ANALYZE pipeline.stage_run", "ANALYZE pipeline.load_batch",
                "ANALYZE pipeline.freshness_sample", "ANALYZE pipeline.reconcile_run");
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
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(address))
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
