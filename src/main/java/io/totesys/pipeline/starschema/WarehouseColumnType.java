package io.totesys.pipeline.starschema;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/** The types of the star schema's columns (SPEC section 2), and how each is stored in Parquet. */
public enum WarehouseColumnType {
    INTEGER,
    /** numeric(10,2). */
    DECIMAL,
    DATE,
    /** time of day with milliseconds. */
    TIME,
    BOOLEAN,
    TEXT;

    public static final int DECIMAL_PRECISION = 10;
    public static final int DECIMAL_SCALE = 2;

    /** The Avro schema of a value of this type; Parquet takes its logical type from it. */
    Schema avroSchema() {
        return switch (this) {
            case INTEGER -> Schema.create(Schema.Type.INT);
            case DECIMAL -> LogicalTypes.decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
                    .addToSchema(Schema.createFixed("decimal_10_2", null, null, 5));
            case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case TIME -> LogicalTypes.timeMillis().addToSchema(Schema.create(Schema.Type.INT));
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case TEXT -> Schema.create(Schema.Type.STRING);
        };
    }
}
