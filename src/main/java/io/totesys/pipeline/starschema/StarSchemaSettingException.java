package io.totesys.pipeline.starschema;

/**
 * A setting of the star schema an operator wrote ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS},
 * {@code ETL_STAR_SCHEMA_MIGRATIONS}) that cannot work: its message is the one line that
 * names the setting and says what to write.
 */
public class StarSchemaSettingException extends RuntimeException {

    public StarSchemaSettingException(String message) {
        super(message);
    }
}
