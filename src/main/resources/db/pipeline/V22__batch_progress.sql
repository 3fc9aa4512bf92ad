-- What each stage is working on now, per table: the rows and bytes done so far, written every
-- couple of seconds while a table's work lasts longer than that and removed when it ends, so
-- that the status page shows a long batch (a first load) under way, whichever replica serves
-- the page. A row not brought up to date for a while belongs to a process that stopped.
CREATE TABLE pipeline.batch_progress (
    stage       text        NOT NULL,
    table_name  text        NOT NULL,
    batch_id    text        NOT NULL,
    rows_done   bigint      NOT NULL,
    bytes_done  bigint      NOT NULL,
    started_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stage, table_name)
);
