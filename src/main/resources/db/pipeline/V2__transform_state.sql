-- The transform stage's durable state.

-- The latest version of every row of the ToteSys tables that dimensions join: address,
-- counterparty, department and staff. A batch that carries only one side of a join (a
-- department renamed, an address edited) is joined against these. Values are the lake's
-- text of the row, in catalogue column order.
CREATE TABLE reference_row (
    table_name    text         NOT NULL,
    row_id        integer      NOT NULL,
    last_updated  timestamp(3) NOT NULL,
    batch_id      text         NOT NULL,
    row_values    jsonb        NOT NULL,
    PRIMARY KEY (table_name, row_id)
);

-- The calendar days each transform batch's dim_date covered. Together they are one
-- contiguous range; a batch extends it to the days its facts reference.
CREATE TABLE calendar_coverage (
    batch_id    text PRIMARY KEY,
    first_date  date NOT NULL,
    last_date   date NOT NULL
);
