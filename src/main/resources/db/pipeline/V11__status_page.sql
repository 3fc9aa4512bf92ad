-- What the status page shows and the pipeline did not keep yet, so that every replica serves
-- the same page: each stage's runs (batch, rows per table, durations), each stage's failures
-- in a row and next attempt, the freshness lag over time, and the replicas with their leader.

-- One row per batch a stage completed (a replayed batch has a row per run).
CREATE TABLE pipeline.stage_run (
    run_id       bigserial        PRIMARY KEY,
    stage        text             NOT NULL CHECK (stage IN ('extract', 'transform', 'load')),
    batch_id     text             NOT NULL,
    started_at   timestamptz      NOT NULL,
    finished_at  timestamptz      NOT NULL,
    row_count    bigint           NOT NULL,
    row_counts   jsonb            NOT NULL,
    lag_seconds  double precision
);
-- The runs of the batches on a page of the batch log, and each stage's latest run.
CREATE INDEX stage_run_batch ON pipeline.stage_run (batch_id, stage);
CREATE INDEX stage_run_stage_finished ON pipeline.stage_run (stage, finished_at);
CREATE INDEX stage_run_finished ON pipeline.stage_run (finished_at);

-- Each stage's failures in a row, as its leader's backoff counts them.
CREATE TABLE pipeline.stage_state (
    stage              text        PRIMARY KEY CHECK (stage IN ('extract', 'transform', 'load')),
    failures_in_a_row  integer     NOT NULL DEFAULT 0,
    last_failure       text,
    last_failed_at     timestamptz,
    next_attempt_at    timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- How far the warehouse was behind ToteSys, sampled by the leader about once a minute.
CREATE TABLE pipeline.freshness_sample (
    sampled_at   timestamptz      PRIMARY KEY,
    lag_seconds  double precision NOT NULL
);

-- Every replica says it is there every ETL_HEALTH_CHECK_INTERVAL, and whether it leads.
CREATE TABLE pipeline.replica (
    replica_id    text        PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    leader        boolean     NOT NULL
);

