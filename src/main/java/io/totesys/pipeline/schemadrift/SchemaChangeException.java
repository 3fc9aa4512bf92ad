package io.totesys.pipeline.schemadrift;

/**
 * ToteSys changed a table in a way the star schema cannot take, and
 * {@code ETL_SCHEMA_CHANGE_POLICY=hold-pipeline} holds the whole extract until it is
 * resolved; the message names the table, the column and what to do.
 */
public class SchemaChangeException extends RuntimeException {

    public SchemaChangeException(String message) {
        super(message);
    }
}
