-- The star schema (SPEC section 2), in the warehouse database's public schema.
-- Dimension keys are the source ids; every fact row is one version of a source row.
-- WarehouseTable lists the same columns; WarehouseSchemaTest keeps the two in step.

CREATE TABLE public.dim_date (
    date_id      date PRIMARY KEY,
    year         integer NOT NULL,
    month        integer NOT NULL,
    day          integer NOT NULL,
    day_of_week  integer NOT NULL,
    day_name     text    NOT NULL,
    month_name   text    NOT NULL,
    quarter      integer NOT NULL
);

CREATE TABLE public.dim_staff (
    staff_id         integer PRIMARY KEY,
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    department_name  text NOT NULL,
    location         text,
    email_address    text NOT NULL
);

CREATE TABLE public.dim_location (
    location_id     integer PRIMARY KEY,
    address_line_1  text NOT NULL,
    address_line_2  text,
    district        text,
    city            text NOT NULL,
    postal_code     text NOT NULL,
    country         text NOT NULL,
    phone           text NOT NULL
);

CREATE TABLE public.dim_design (
    design_id      integer PRIMARY KEY,
    design_name    text NOT NULL,
    file_location  text NOT NULL,
    file_name      text NOT NULL
);

CREATE TABLE public.dim_currency (
    currency_id    integer PRIMARY KEY,
    currency_code  text NOT NULL,
    currency_name  text NOT NULL
);

CREATE TABLE public.dim_counterparty (
    counterparty_id                    integer PRIMARY KEY,
    counterparty_legal_name            text NOT NULL,
    counterparty_legal_address_line_1  text NOT NULL,
    counterparty_legal_address_line_2  text,
    counterparty_legal_district        text,
    counterparty_legal_city            text NOT NULL,
    counterparty_legal_postal_code     text NOT NULL,
    counterparty_legal_country         text NOT NULL,
    counterparty_legal_phone_number    text NOT NULL
);

CREATE TABLE public.dim_payment_type (
    payment_type_id    integer PRIMARY KEY,
    payment_type_name  text NOT NULL
);

CREATE TABLE public.dim_transaction (
    transaction_id     integer PRIMARY KEY,
    transaction_type   text NOT NULL,
    sales_order_id     integer,
    purchase_order_id  integer
);

CREATE TABLE public.fact_sales_order (
    sales_record_id              serial PRIMARY KEY,
    sales_order_id               integer       NOT NULL,
    created_date                 date          NOT NULL REFERENCES public.dim_date,
    created_time                 time(3)       NOT NULL,
    last_updated_date            date          NOT NULL REFERENCES public.dim_date,
    last_updated_time            time(3)       NOT NULL,
    sales_staff_id               integer       NOT NULL REFERENCES public.dim_staff,
    counterparty_id              integer       NOT NULL REFERENCES public.dim_counterparty,
    units_sold                   integer       NOT NULL,
    unit_price                   numeric(10,2) NOT NULL,
    currency_id                  integer       NOT NULL REFERENCES public.dim_currency,
    design_id                    integer       NOT NULL REFERENCES public.dim_design,
    agreed_payment_date          date          NOT NULL REFERENCES public.dim_date,
    agreed_delivery_date         date          NOT NULL REFERENCES public.dim_date,
    agreed_delivery_location_id  integer       NOT NULL REFERENCES public.dim_location
);
CREATE INDEX fact_sales_order_source ON public.fact_sales_order (sales_order_id);

CREATE TABLE public.fact_purchase_order (
    purchase_record_id           serial PRIMARY KEY,
    purchase_order_id            integer       NOT NULL,
    created_date                 date          NOT NULL REFERENCES public.dim_date,
    created_time                 time(3)       NOT NULL,
    last_updated_date            date          NOT NULL REFERENCES public.dim_date,
    last_updated_time            time(3)       NOT NULL,
    staff_id                     integer       NOT NULL REFERENCES public.dim_staff,
    counterparty_id              integer       NOT NULL REFERENCES public.dim_counterparty,
    item_code                    text          NOT NULL,
    item_quantity                integer       NOT NULL,
    item_unit_price              numeric(10,2) NOT NULL,
    currency_id                  integer       NOT NULL REFERENCES public.dim_currency,
    agreed_delivery_date         date          NOT NULL REFERENCES public.dim_date,
    agreed_payment_date          date          NOT NULL REFERENCES public.dim_date,
    agreed_delivery_location_id  integer       NOT NULL REFERENCES public.dim_location
);
CREATE INDEX fact_purchase_order_source ON public.fact_purchase_order (purchase_order_id);

CREATE TABLE public.fact_payment (
    payment_record_id  serial PRIMARY KEY,
    payment_id         integer       NOT NULL,
    created_date       date          NOT NULL REFERENCES public.dim_date,
    created_time       time(3)       NOT NULL,
    last_updated_date  date          NOT NULL REFERENCES public.dim_date,
    last_updated_time  time(3)       NOT NULL,
    transaction_id     integer       NOT NULL REFERENCES public.dim_transaction,
    counterparty_id    integer       NOT NULL REFERENCES public.dim_counterparty,
    payment_amount     numeric(10,2) NOT NULL,
    currency_id        integer       NOT NULL REFERENCES public.dim_currency,
    payment_type_id    integer       NOT NULL REFERENCES public.dim_payment_type,
    paid               boolean       NOT NULL,
    payment_date       date          NOT NULL REFERENCES public.dim_date
);
CREATE INDEX fact_payment_source ON public.fact_payment (payment_id);

-- The current state of each fact: one row per source id, its latest version.
CREATE VIEW public.fact_sales_order_current AS
SELECT DISTINCT ON (sales_order_id) *
  FROM public.fact_sales_order
 ORDER BY sales_order_id, last_updated_date DESC, last_updated_time DESC, sales_record_id DESC;

CREATE VIEW public.fact_purchase_order_current AS
SELECT DISTINCT ON (purchase_order_id) *
  FROM public.fact_purchase_order
 ORDER BY purchase_order_id, last_updated_date DESC, last_updated_time DESC, purchase_record_id DESC;

CREATE VIEW public.fact_payment_current AS
SELECT DISTINCT ON (payment_id) *
  FROM public.fact_payment
 ORDER BY payment_id, last_updated_date DESC, last_updated_time DESC, payment_record_id DESC;

-- Every batch loaded, in the transaction that loaded it: a batch found here is not loaded again.
CREATE TABLE pipeline.load_batch (
    batch_id     text        PRIMARY KEY,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    high_water   timestamp(3),
    row_counts   jsonb       NOT NULL
);
