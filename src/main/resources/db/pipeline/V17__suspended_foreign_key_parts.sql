-- A foreign key a bulk batch drops is recorded by its parts, as pg_constraint holds them, and no
-- longer only as the text of its definition (issue 25, point 5): the owner adds it back from
-- these parts, every name checked against the catalogue and quoted, and never runs the text,
-- which stays for people to read. Rows from before this have no parts: the load reads the
-- parts of a plain one-column key from its text, and adds back no other.
ALTER TABLE pipeline.suspended_foreign_key
    ADD COLUMN columns             text[],
    ADD COLUMN referenced_schema   text,
    ADD COLUMN referenced_table    text,
    ADD COLUMN referenced_columns  text[],
    ADD COLUMN match_full          boolean,
    ADD COLUMN on_update           "char",
    ADD COLUMN on_delete           "char",
    ADD COLUMN is_deferrable       boolean,
    ADD COLUMN initially_deferred  boolean,
    ADD COLUMN validated           boolean;
