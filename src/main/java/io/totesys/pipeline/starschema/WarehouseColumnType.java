package io.totesys.pipeline.starschema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;

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

    private static final int DECIMAL_BYTES = 5;
    private static final Schema DECIMAL_SCHEMA = LogicalTypes.decimal(DECIMAL_PRECISION, DECIMAL_SCALE)
            .addToSchema(Schema.createFixed("decimal_10_2", null, null, DECIMAL_BYTES));
    private static final DateTimeFormatter TIME_TEXT = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    /** The column type in the warehouse's DDL. */
    public String sqlType() {
        return switch (this) {
            case INTEGER -> "integer";
            case DECIMAL -> "numeric(10,2)";
            case DATE -> "date";
            case TIME -> "time(3)";
            case BOOLEAN -> "boolean";
            case TEXT -> "text";
        };
    }

    /** The Avro schema of a value of this type; Parquet takes its logical type from it. */
    Schema avroSchema() {
        return switch (this) {
            case INTEGER -> Schema.create(Schema.Type.INT);
            case DECIMAL -> DECIMAL_SCHEMA;
            case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case TIME -> LogicalTypes.timeMillis().addToSchema(Schema.create(Schema.Type.INT));
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case TEXT -> Schema.create(Schema.Type.STRING);
        };
    }

    /** A Java value (Integer, String, LocalDate, LocalTime, BigDecimal, Boolean) in its Avro representation. */
    Object toAvro(Object value) {
        return switch (this) {
            case INTEGER, BOOLEAN, TEXT -> value;
            case DATE -> (int) ((LocalDate) value).toEpochDay();
            case TIME -> (int) (((LocalTime) value).toNanoOfDay() / 1_000_000);
            case DECIMAL -> decimal((BigDecimal) value);
        };
    }

    /** An Avro value read back from Parquet, as PostgreSQL's text input for the column's type. */
    public String toText(Object avroValue) {
        return switch (this) {
            case INTEGER, BOOLEAN, TEXT -> avroValue.toString();
            case DATE -> LocalDate.ofEpochDay(((Number) avroValue).longValue()).toString();
            case TIME -> TIME_TEXT.format(LocalTime.ofNanoOfDay(((Number) avroValue).longValue() * 1_000_000));
            case DECIMAL -> new BigDecimal(new BigInteger(((GenericFixed) avroValue).bytes()), DECIMAL_SCALE)
                    .toPlainString();
        };
    }

    /** numeric(10,2) as Parquet's fixed-length decimal: the unscaled value, big-endian two's complement. */
    private static GenericData.Fixed decimal(BigDecimal value) {
        byte[] unscaled = value.setScale(DECIMAL_SCALE).unscaledValue().toByteArray();
        byte[] bytes = new byte[DECIMAL_BYTES];
        byte padding = (byte) (unscaled[0] < 0 ? 0xFF : 0x00);
        int offset = bytes.length - unscaled.length;
        Arrays.fill(bytes, 0, offset, padding);
        ByteBuffer.wrap(bytes, offset, unscaled.length).put(unscaled);
        return new GenericData.Fixed(DECIMAL_SCHEMA, bytes);
    }
}
