-- Replay: an operator asks the service to run an extract batch through the transform and the
-- load again (after fixing or restoring its objects), or to extract a ToteSys table again
-- whole, by inserting a row here. The service honours open requests at its next poll and
-- records when, and what it did (or why it could not) in outcome.
CREATE TABLE pipeline.replay_request (
    request_id    bigserial   PRIMARY KEY,
    batch_id      text,
    table_name    text,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    done_at       timestamptz,
    outcome       text,
    CONSTRAINT replay_request_one_subject CHECK ((batch_id IS NULL) <> (table_name IS NULL))
);
CREATE INDEX replay_request_open ON pipeline.replay_request (request_id) WHERE done_at IS NULL;

-- Which Parquet manifest of a batch the load loaded (its createdAt, as written): a batch
-- transformed again after a replay has a new one, and is loaded again; how often it was loaded.
ALTER TABLE pipeline.load_batch ADD COLUMN manifest_created_at text;
ALTER TABLE pipeline.load_batch ADD COLUMN loads integer NOT NULL DEFAULT 1;

-- The batch that brought each dimension row's current version: a row is overwritten only by
-- a batch at least as new, so that a replayed older batch never rolls it back. NULL: rows
-- loaded before this migration, inferred members and days added whole, which any batch
-- overwrites.
ALTER TABLE public.dim_date ADD COLUMN batch_id text;
ALTER TABLE public.dim_staff ADD COLUMN batch_id text;
ALTER TABLE public.dim_location ADD COLUMN batch_id text;
ALTER TABLE public.dim_design ADD COLUMN batch_id text;
ALTER TABLE public.dim_currency ADD COLUMN batch_id text;
ALTER TABLE public.dim_counterparty ADD COLUMN batch_id text;
ALTER TABLE public.dim_payment_type ADD COLUMN batch_id text;
ALTER TABLE public.dim_transaction ADD COLUMN batch_id text;

-- Rows loaded before this migration: which batch wrote each is not known, so each counts as
-- written by the latest batch loaded so far, and a replay of an earlier batch leaves it
-- alone. Inferred members (their text 'Unknown') stay NULL, so that their real row replaces them.
UPDATE public.dim_date SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch);
UPDATE public.dim_staff SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch)
 WHERE first_name <> 'Unknown';
UPDATE public.dim_location SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch)
 WHERE address_line_1 <> 'Unknown';
UPDATE public.dim_design SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch)
 WHERE design_name <> 'Unknown';
UPDATE public.dim_currency SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch)
 WHERE currency_code <> 'Unknown';
UPDATE public.dim_counterparty SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch)
 WHERE counterparty_legal_name <> 'Unknown';
UPDATE public.dim_payment_type SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch)
 WHERE payment_type_name <> 'Unknown';
UPDATE public.dim_transaction SET batch_id = (SELECT max(batch_id) FROM pipeline.load_batch)
 WHERE transaction_type <> 'Unknown';
