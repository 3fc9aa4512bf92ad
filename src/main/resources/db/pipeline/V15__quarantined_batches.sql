-- Each batch whose manifest the transform or the load refused and quarantined: none of it
-- reaches the warehouse until an operator fixes its manifest and replays it (replayed_at).
-- Quarantined again after a replay, it is waiting again. Counted by the metric
-- pipeline_quarantined_batches; the freshness lag leaves these batches out (issue 25).
CREATE TABLE pipeline.quarantined_batch (
    batch_id        text        PRIMARY KEY,
    stage           text        NOT NULL CHECK (stage IN ('transform', 'load')),
    problem         text        NOT NULL,
    quarantined_at  timestamptz NOT NULL DEFAULT now(),
    replayed_at     timestamptz
);
CREATE INDEX quarantined_batch_waiting ON pipeline.quarantined_batch (batch_id) WHERE replayed_at IS NULL;
