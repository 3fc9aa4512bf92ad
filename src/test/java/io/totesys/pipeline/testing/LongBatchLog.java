package io.totesys.pipeline.testing;

import javax.sql.DataSource;

import io.totesys.pipeline.world.DatabaseServer;

/**
 * A long batch log in the warehouse's pipeline schema, beside a run's own batches: batches
 * every 3 s back from a minute ago, each extracted, transformed and loaded (so that the last
 * day alone holds 28,800 of them), a day of lag samples and a hundred reconciliations, as a
 * service that ran for months would have them.
 */
public final class LongBatchLog {

    private LongBatchLog() {
    }

    /** Adds {@code batches} batches through the three stages, a day of lag samples and a hundred reconciliations. */
    public static void add(DataSource warehouse, int batches) {
        add(warehouse, batches, "1 minute");
    }

    /**
     * The same, the newest batch {@code endingAgo} ago (a PostgreSQL interval, {@code 91 days});
     * the batches stay in {@code status_benchmark_batch} (batch_id, at, n) for the session's next statements.
     */
    public static void add(DataSource warehouse, int batches, String endingAgo) {
        DatabaseServer.execute(warehouse, "DROP TABLE IF EXISTS status_benchmark_batch", """
                CREATE TEMPORARY TABLE status_benchmark_batch AS
                SELECT to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISSMS"Z"') || '-'
                           || lpad(to_hex(n), 6, '0') AS batch_id, at, n
                  FROM (SELECT n, now() - interval '%s' - n * interval '3 seconds' AS at
                          FROM generate_series(1, %d) AS n) AS batches""".formatted(endingAgo, batches),
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
}
