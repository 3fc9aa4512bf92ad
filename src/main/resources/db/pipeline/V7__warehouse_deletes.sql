-- Deletes reach the warehouse (issue 12, point 3). A row deleted from ToteSys is recorded, with
-- the batch that brought the deletion and when the extract first saw it gone (the source time of
-- its snapshot, split as the facts split their timestamps), in <table>_deletion. The deleted rows
-- themselves stay: facts keep their whole history, and history facts may refer to a deleted
-- dimension member, so foreign keys hold. The *_current views leave them out.

CREATE TABLE public.dim_location_deletion (
    location_id        integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (location_id, batch_id)
);

CREATE TABLE public.dim_counterparty_deletion (
    counterparty_id    integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (counterparty_id, batch_id)
);

CREATE TABLE public.dim_currency_deletion (
    currency_id        integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (currency_id, batch_id)
);

CREATE TABLE public.dim_design_deletion (
    design_id          integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (design_id, batch_id)
);

CREATE TABLE public.dim_payment_type_deletion (
    payment_type_id    integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (payment_type_id, batch_id)
);

CREATE TABLE public.dim_staff_deletion (
    staff_id           integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (staff_id, batch_id)
);

CREATE TABLE public.dim_transaction_deletion (
    transaction_id     integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (transaction_id, batch_id)
);

CREATE TABLE public.fact_sales_order_deletion (
    sales_order_id     integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (sales_order_id, batch_id)
);

CREATE TABLE public.fact_purchase_order_deletion (
    purchase_order_id  integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (purchase_order_id, batch_id)
);

CREATE TABLE public.fact_payment_deletion (
    payment_id         integer NOT NULL,
    deleted_seen_date  date    NOT NULL,
    deleted_seen_time  time(3) NOT NULL,
    batch_id           text    NOT NULL,
    PRIMARY KEY (payment_id, batch_id)
);

-- A fact is current unless its latest version is followed by its deletion: a deletion brought
-- by the batch of that version or a later one hides it; a version a later batch brings (a row
-- inserted again under its old key, a repair) is current again.
CREATE OR REPLACE VIEW public.fact_sales_order_current AS
SELECT latest.*
  FROM (SELECT DISTINCT ON (sales_order_id) *
          FROM public.fact_sales_order
         ORDER BY sales_order_id, batch_id DESC NULLS LAST, last_updated_date DESC, last_updated_time DESC,
                  sales_record_id DESC) AS latest
 WHERE NOT EXISTS (SELECT 1 FROM public.fact_sales_order_deletion d
                    WHERE d.sales_order_id = latest.sales_order_id
                      AND (latest.batch_id IS NULL OR d.batch_id >= latest.batch_id));

CREATE OR REPLACE VIEW public.fact_purchase_order_current AS
SELECT latest.*
  FROM (SELECT DISTINCT ON (purchase_order_id) *
          FROM public.fact_purchase_order
         ORDER BY purchase_order_id, batch_id DESC NULLS LAST, last_updated_date DESC, last_updated_time DESC,
                  purchase_record_id DESC) AS latest
 WHERE NOT EXISTS (SELECT 1 FROM public.fact_purchase_order_deletion d
                    WHERE d.purchase_order_id = latest.purchase_order_id
                      AND (latest.batch_id IS NULL OR d.batch_id >= latest.batch_id));

CREATE OR REPLACE VIEW public.fact_payment_current AS
SELECT latest.*
  FROM (SELECT DISTINCT ON (payment_id) *
          FROM public.fact_payment
         ORDER BY payment_id, batch_id DESC NULLS LAST, last_updated_date DESC, last_updated_time DESC,
                  payment_record_id DESC) AS latest
 WHERE NOT EXISTS (SELECT 1 FROM public.fact_payment_deletion d
                    WHERE d.payment_id = latest.payment_id
                      AND (latest.batch_id IS NULL OR d.batch_id >= latest.batch_id));

-- A dimension holds the latest state of each member: the members ToteSys still has are its
-- *_current view (the load forgets a deletion when a later batch brings the member again).
CREATE VIEW public.dim_location_current AS
SELECT m.*
  FROM public.dim_location m
 WHERE NOT EXISTS (SELECT 1 FROM public.dim_location_deletion d WHERE d.location_id = m.location_id);

CREATE VIEW public.dim_counterparty_current AS
SELECT m.*
  FROM public.dim_counterparty m
 WHERE NOT EXISTS (SELECT 1 FROM public.dim_counterparty_deletion d WHERE d.counterparty_id = m.counterparty_id);

CREATE VIEW public.dim_currency_current AS
SELECT m.*
  FROM public.dim_currency m
 WHERE NOT EXISTS (SELECT 1 FROM public.dim_currency_deletion d WHERE d.currency_id = m.currency_id);

CREATE VIEW public.dim_design_current AS
SELECT m.*
  FROM public.dim_design m
 WHERE NOT EXISTS (SELECT 1 FROM public.dim_design_deletion d WHERE d.design_id = m.design_id);

CREATE VIEW public.dim_payment_type_current AS
SELECT m.*
  FROM public.dim_payment_type m
 WHERE NOT EXISTS (SELECT 1 FROM public.dim_payment_type_deletion d WHERE d.payment_type_id = m.payment_type_id);

CREATE VIEW public.dim_staff_current AS
SELECT m.*
  FROM public.dim_staff m
 WHERE NOT EXISTS (SELECT 1 FROM public.dim_staff_deletion d WHERE d.staff_id = m.staff_id);

CREATE VIEW public.dim_transaction_current AS
SELECT m.*
  FROM public.dim_transaction m
 WHERE NOT EXISTS (SELECT 1 FROM public.dim_transaction_deletion d WHERE d.transaction_id = m.transaction_id);
