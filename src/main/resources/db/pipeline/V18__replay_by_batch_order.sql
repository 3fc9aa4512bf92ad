-- Replay orders versions and deletions by batch (issue 25, point 4).
--
-- A dimension member is current unless a deletion brought by the batch of its row, or a later
-- one, follows it, as the facts' views already say: a replayed older batch that deleted the
-- member, after a newer batch brought it back, no longer hides it. The views keep their columns
-- (m.* now ends with batch_id, which V9 added to the tables after V7 made the views). Rows
-- without a batch (inferred members) are hidden by any deletion, as before.

DO $$
DECLARE
    dimension record;
BEGIN
    FOR dimension IN SELECT * FROM (VALUES ('dim_location', 'location_id'), ('dim_counterparty', 'counterparty_id'),
                                           ('dim_currency', 'currency_id'), ('dim_design', 'design_id'),
                                           ('dim_payment_type', 'payment_type_id'), ('dim_staff', 'staff_id'),
                                           ('dim_transaction', 'transaction_id')) AS dimensions (name, key)
    LOOP
        EXECUTE format('CREATE OR REPLACE VIEW public.%1$s_current AS SELECT m.* FROM public.%1$s m '
                || 'WHERE NOT EXISTS (SELECT 1 FROM public.%1$s_deletion d WHERE d.%2$s = m.%2$s '
                || 'AND (m.batch_id IS NULL OR d.batch_id >= m.batch_id))', dimension.name, dimension.key);
    END LOOP;
END
$$;

-- A reference row deleted from ToteSys is kept as deleted, marked with the batch that deleted it,
-- instead of being removed: a replayed older batch that deleted it no longer removes the version a
-- newer batch brought, and a replayed older batch that brought it no longer brings it back.
ALTER TABLE pipeline.reference_row ADD COLUMN deleted boolean NOT NULL DEFAULT false;

-- A replay request that fails (S3 refuses an object, an object is archived) is tried again a
-- bounded number of times, each after a longer wait, then closed with its reason; the stages go on
-- with other work meanwhile. attempts: how often it failed; last_error: why, the last time;
-- next_attempt_at: not before then.
ALTER TABLE pipeline.replay_request
    ADD COLUMN attempts         integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error       text,
    ADD COLUMN next_attempt_at  timestamptz;
