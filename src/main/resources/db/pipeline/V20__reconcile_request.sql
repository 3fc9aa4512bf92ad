-- Reconcile now (issue 25, point 7): an operator asks for a reconciliation before
-- ETL_RECONCILE_INTERVAL comes round (or while it is 0) with the command `reconcile`, which
-- inserts a row here. At its next poll the leader reconciles, whatever the interval says, and
-- closes every request open when the run started with the run's id and what it found.
CREATE TABLE pipeline.reconcile_request (
    request_id    bigserial   PRIMARY KEY,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    done_at       timestamptz,
    run_id        text,
    outcome       text
);
CREATE INDEX reconcile_request_open ON pipeline.reconcile_request (request_id) WHERE done_at IS NULL;
