-- Versions are ordered by the batch that brought them, not by their stamps alone: a version
-- that arrives later (a late commit, a writer with a skewed clock, a repair) is the current
-- one, whatever its last_updated says; last_updated only breaks ties within a batch.

-- The batch that brought each fact version; NULL for versions loaded before this migration,
-- which rank below every version that has one.
ALTER TABLE public.fact_sales_order ADD COLUMN batch_id text;
ALTER TABLE public.fact_purchase_order ADD COLUMN batch_id text;
ALTER TABLE public.fact_payment ADD COLUMN batch_id text;

CREATE OR REPLACE VIEW public.fact_sales_order_current AS
SELECT DISTINCT ON (sales_order_id) *
  FROM public.fact_sales_order
 ORDER BY sales_order_id, batch_id DESC NULLS LAST, last_updated_date DESC, last_updated_time DESC,
          sales_record_id DESC;

CREATE OR REPLACE VIEW public.fact_purchase_order_current AS
SELECT DISTINCT ON (purchase_order_id) *
  FROM public.fact_purchase_order
 ORDER BY purchase_order_id, batch_id DESC NULLS LAST, last_updated_date DESC, last_updated_time DESC,
          purchase_record_id DESC;

CREATE OR REPLACE VIEW public.fact_payment_current AS
SELECT DISTINCT ON (payment_id) *
  FROM public.fact_payment
 ORDER BY payment_id, batch_id DESC NULLS LAST, last_updated_date DESC, last_updated_time DESC,
          payment_record_id DESC;
