-- Bulk loads (issue 14, point 4): a large batch loads with the star schema's foreign keys
-- dropped, instead of checking each fact row against each dimension one by one, and adds them
-- again, each validated once, set-wise, in the transaction that loads the batch. Each foreign
-- key dropped is recorded here, in the transaction that drops it, and removed in the one that
-- adds it again: after a crash or a failed batch, the next load adds back whatever is here.
CREATE TABLE pipeline.suspended_foreign_key (
    table_name       text        NOT NULL,
    constraint_name  text        NOT NULL,
    definition       text        NOT NULL,
    batch_id         text        NOT NULL,
    suspended_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, constraint_name)
);
