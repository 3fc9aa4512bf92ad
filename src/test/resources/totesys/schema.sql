-- The ToteSys schema (docs/architecture.md#source-schema), as the simulated source database holds it.
-- Columns stand in the order the real database declares them.

CREATE TYPE payment_type_name AS ENUM ('SALES_RECEIPT', 'SALES_REFUND', 'PURCHASE_PAYMENT', 'PURCHASE_REFUND');
CREATE TYPE transaction_type AS ENUM ('SALE', 'PURCHASE');

CREATE TABLE address (
    address_id      serial PRIMARY KEY,
    address_line_1  text NOT NULL,
    address_line_2  text,
    district        text,
    city            text NOT NULL,
    postal_code     text NOT NULL,
    country         text NOT NULL,
    phone           text NOT NULL,
    created_at      timestamp(3) NOT NULL DEFAULT now(),
    last_updated    timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE counterparty (
    counterparty_id          serial PRIMARY KEY,
    counterparty_legal_name  text NOT NULL,
    legal_address_id         int NOT NULL REFERENCES address ON DELETE RESTRICT,
    commercial_contact       text,
    delivery_contact         text,
    created_at               timestamp(3) NOT NULL DEFAULT now(),
    last_updated             timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE currency (
    currency_id    serial PRIMARY KEY,
    currency_code  varchar(3) NOT NULL,
    created_at     timestamp(3) NOT NULL DEFAULT now(),
    last_updated   timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE department (
    department_id    serial PRIMARY KEY,
    department_name  text NOT NULL,
    location         text,
    manager          text,
    created_at       timestamp(3) NOT NULL DEFAULT now(),
    last_updated     timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE design (
    design_id      serial PRIMARY KEY,
    created_at     timestamp(3) NOT NULL DEFAULT now(),
    design_name    text NOT NULL,
    file_location  text NOT NULL,
    file_name      text NOT NULL,
    last_updated   timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE payment_type (
    payment_type_id    serial PRIMARY KEY,
    payment_type_name  payment_type_name NOT NULL,
    created_at         timestamp(3) NOT NULL DEFAULT now(),
    last_updated       timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE staff (
    staff_id       serial PRIMARY KEY,
    first_name     text NOT NULL,
    last_name      text NOT NULL,
    department_id  int NOT NULL REFERENCES department ON DELETE RESTRICT,
    email_address  text NOT NULL,
    created_at     timestamp(3) NOT NULL DEFAULT now(),
    last_updated   timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE sales_order (
    sales_order_id               serial PRIMARY KEY,
    created_at                   timestamp(3) NOT NULL DEFAULT now(),
    last_updated                 timestamp(3) NOT NULL DEFAULT now(),
    design_id                    int NOT NULL REFERENCES design ON DELETE RESTRICT,
    staff_id                     int NOT NULL REFERENCES staff ON DELETE RESTRICT,
    counterparty_id              int NOT NULL REFERENCES counterparty ON DELETE RESTRICT,
    units_sold                   int NOT NULL,
    unit_price                   numeric(10, 2) NOT NULL,
    currency_id                  int NOT NULL REFERENCES currency ON DELETE RESTRICT,
    agreed_delivery_date         text NOT NULL,
    agreed_payment_date          text NOT NULL,
    agreed_delivery_location_id  int NOT NULL REFERENCES address ON DELETE RESTRICT
);

CREATE TABLE purchase_order (
    purchase_order_id            serial PRIMARY KEY,
    created_at                   timestamp(3) NOT NULL DEFAULT now(),
    last_updated                 timestamp(3) NOT NULL DEFAULT now(),
    staff_id                     int NOT NULL,
    counterparty_id              int NOT NULL,
    item_code                    text NOT NULL,
    item_quantity                int NOT NULL,
    item_unit_price              numeric(10, 2) NOT NULL,
    currency_id                  int NOT NULL,
    agreed_delivery_date         text NOT NULL,
    agreed_payment_date          text NOT NULL,
    agreed_delivery_location_id  int NOT NULL REFERENCES address ON DELETE RESTRICT
);

CREATE TABLE transaction (
    transaction_id     serial PRIMARY KEY,
    transaction_type   transaction_type NOT NULL,
    sales_order_id     int UNIQUE REFERENCES sales_order ON DELETE SET NULL,
    purchase_order_id  int UNIQUE REFERENCES purchase_order ON DELETE SET NULL,
    created_at         timestamp(3) NOT NULL DEFAULT now(),
    last_updated       timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE payment (
    payment_id              serial PRIMARY KEY,
    created_at              timestamp(3) NOT NULL DEFAULT now(),
    last_updated            timestamp(3) NOT NULL DEFAULT now(),
    transaction_id          int NOT NULL UNIQUE REFERENCES transaction ON DELETE RESTRICT,
    counterparty_id         int NOT NULL,
    payment_amount          numeric(10, 2) NOT NULL,
    currency_id             int NOT NULL,
    payment_type_id         int NOT NULL,
    paid                    boolean NOT NULL,
    payment_date            text NOT NULL,
    company_ac_number       int NOT NULL,
    counterparty_ac_number  int NOT NULL
);

-- Not business data: the pipeline never extracts it.
CREATE TABLE _prisma_migrations (
    id                   varchar(36) PRIMARY KEY,
    checksum             varchar(64) NOT NULL,
    finished_at          timestamptz,
    migration_name       varchar(255) NOT NULL,
    started_at           timestamptz NOT NULL DEFAULT now(),
    applied_steps_count  int NOT NULL DEFAULT 0
);
