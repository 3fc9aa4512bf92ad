-- The extractor's durable state, kept in the warehouse database beside what it feeds.

-- Where each ToteSys table was read up to: the next batch reads last_updated >= high_water.
CREATE TABLE extract_watermark (
    table_name  text         PRIMARY KEY,
    high_water  timestamp(3) NOT NULL,
    batch_id    text,
    updated_at  timestamptz  NOT NULL DEFAULT now()
);

-- Every extract batch that wrote objects to the lake. A batch is recorded as STARTED
-- before its first object is written, so that after a crash the next run either
-- completes it (its manifest exists) or removes what it left (it does not).
CREATE TABLE extract_batch (
    batch_id     text         PRIMARY KEY,
    status       text         NOT NULL CHECK (status IN ('STARTED', 'PUBLISHED', 'ABANDONED')),
    high_water   timestamp(3) NOT NULL,
    row_count    bigint,
    started_at   timestamptz  NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

CREATE INDEX extract_batch_unfinished ON extract_batch (batch_id) WHERE status = 'STARTED';
