package io.totesys.pipeline.starschema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;

/**
 * The types of the star schema's columns (docs/architecture.md#star-schema), and how each is stored in Parquet:
 * the star schema's own, and the {@code numeric(p,s)} of any precision a column an operator adds
 * ({@link AddedColumns}) may have.
 */
public final class WarehouseColumnType {

    /**
     * What a value of the type is, as the load's binary {@code COPY} writes it: a 4-byte
     * {@code integer}, a {@code numeric(p,s)}, a {@code date}, a {@code time(3)}, a
     * {@code boolean} or {@code text}.
     */
    public enum Kind {
        INTEGER, DECIMAL, DATE, TIME, BOOLEAN, TEXT
    }

    public static final WarehouseColumnType INTEGER = new WarehouseColumnType(Kind.INTEGER, 0, 0);
    /** numeric(10,2). */
    public static final WarehouseColumnType DECIMAL = decimal(10, 2);
    public static final WarehouseColumnType DATE = new WarehouseColumnType(Kind.DATE, 0, 0);
    /** time of day with milliseconds. */
    public static final WarehouseColumnType TIME = new WarehouseColumnType(Kind.TIME, 0, 0);
    public static final WarehouseColumnType BOOLEAN = new WarehouseColumnType(Kind.BOOLEAN, 0, 0);
    public static final WarehouseColumnType TEXT = new WarehouseColumnType(Kind.TEXT, 0, 0);

    /** The most digits a {@code numeric} column an operator adds may have: what Parquet's decimals hold in 16 bytes. */
    public static final int MAX_DECIMAL_PRECISION = 38;
    /** The types an operator may give a column they add, as {@link #parse} reads them. */
    public static final List<String> ADDABLE = List.of("integer", "numeric(p,s)", "date", "boolean", "text");

    private static final Pattern NUMERIC = Pattern.compile("(?:numeric|decimal)\\((\\d{1,2}),(\\d{1,2})\\)");
    /** The most digits every {@code long} holds. */
    private static final int LONG_DIGITS = 18;
    private static final DateTimeFormatter TIME_TEXT = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final Kind kind;
    private final int precision;
    private final int scale;
    private final int decimalBytes;
    private final Schema avroSchema;

    private WarehouseColumnType(Kind kind, int precision, int scale) {
        this.kind = kind;
        this.precision = precision;
        this.scale = scale;
        this.decimalBytes = kind == Kind.DECIMAL ? bytesFor(precision) : 0;
        this.avroSchema = switch (kind) {
            case INTEGER -> Schema.create(Schema.Type.INT);
            case DECIMAL -> LogicalTypes.decimal(precision, scale).addToSchema(
                    Schema.createFixed("decimal_" + precision + "_" + scale, null, null, decimalBytes));
            case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case TIME -> LogicalTypes.timeMillis().addToSchema(Schema.create(Schema.Type.INT));
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case TEXT -> Schema.create(Schema.Type.STRING);
        };
    }

    /**
     * {@code numeric(precision, scale)}: one instance per precision and scale, so that a
     * record with two such columns names its Parquet fixed type once.
     */
    private static final class Decimals {
        private static final Map<String, WarehouseColumnType> TYPES = new ConcurrentHashMap<>();
    }

    private static WarehouseColumnType decimal(int precision, int scale) {
        return Decimals.TYPES.computeIfAbsent(precision + "," + scale,
                key -> new WarehouseColumnType(Kind.DECIMAL, precision, scale));
    }

    /**
     * The type a column an operator adds declares, as PostgreSQL writes it: {@code integer},
     * {@code numeric(p,s)} (1 to 38 digits), {@code date}, {@code boolean} or {@code text};
     * empty for any other.
     */
    public static Optional<WarehouseColumnType> parse(String sqlType) {
        String type = sqlType.replace(" ", "").toLowerCase(Locale.ROOT);
        Matcher numeric = NUMERIC.matcher(type);
        if (numeric.matches()) {
            int precision = Integer.parseInt(numeric.group(1));
            int scale = Integer.parseInt(numeric.group(2));
            return precision >= 1 && precision <= MAX_DECIMAL_PRECISION && scale <= precision
                    ? Optional.of(decimal(precision, scale))
                    : Optional.empty();
        }
        return switch (type) {
            case "integer", "int", "int4" -> Optional.of(INTEGER);
            case "date" -> Optional.of(DATE);
            case "boolean", "bool" -> Optional.of(BOOLEAN);
            case "text" -> Optional.of(TEXT);
            default -> Optional.empty();
        };
    }

    public Kind kind() {
        return kind;
    }

    /** The digits of a {@code numeric(p,s)}: its {@code p}; 0 for other types. */
    public int precision() {
        return precision;
    }

    /** The digits after the decimal point of a {@code numeric(p,s)}: its {@code s}; 0 for other types. */
    public int scale() {
        return scale;
    }

    /** The column type in the warehouse's DDL, as PostgreSQL's {@code format_type} writes it. */
    public String sqlType() {
        return switch (kind) {
            case INTEGER -> "integer";
            case DECIMAL -> "numeric(" + precision + "," + scale + ")";
            case DATE -> "date";
            case TIME -> "time(3)";
            case BOOLEAN -> "boolean";
            case TEXT -> "text";
        };
    }

    /** The Avro schema of a value of this type; Parquet takes its logical type from it. */
    Schema avroSchema() {
        return avroSchema;
    }

    /** A Java value (Integer, String, LocalDate, LocalTime, BigDecimal, Boolean) in its Avro representation. */
    Object toAvro(Object value) {
        return switch (kind) {
            case INTEGER, BOOLEAN, TEXT -> value;
            case DATE -> (int) ((LocalDate) value).toEpochDay();
            case TIME -> (int) (((LocalTime) value).toNanoOfDay() / 1_000_000);
            case DECIMAL -> decimal((BigDecimal) value);
        };
    }

    /**
     * A value as the lake's CSV holds it (PostgreSQL's text output), as the Java value
     * {@link #toAvro} takes.
     *
     * @throws IllegalArgumentException saying why the text is not a value of this type: a
     *         number with more digits than the column keeps is not rounded but refused
     */
    Object fromLakeText(String text) {
        try {
            return switch (kind) {
                case INTEGER -> Integer.valueOf(text);
                case DECIMAL -> fittingDecimal(new BigDecimal(text));
                case DATE -> LocalDate.parse(text);
                case TIME -> LocalTime.parse(text);
                case BOOLEAN -> switch (text) {
                    case "true", "t" -> Boolean.TRUE;
                    case "false", "f" -> Boolean.FALSE;
                    default -> throw new NumberFormatException("not a boolean");
                };
                case TEXT -> text;
            };
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("'" + (text.length() <= 60 ? text : text.substring(0, 60) + "...")
                    + "' is not a valid " + sqlType(), e);
        }
    }

    /** An Avro value read back from Parquet, as PostgreSQL's text input for the column's type. */
    public String toText(Object avroValue) {
        return switch (kind) {
            case INTEGER, BOOLEAN, TEXT -> avroValue.toString();
            case DATE -> LocalDate.ofEpochDay(((Number) avroValue).longValue()).toString();
            case TIME -> TIME_TEXT.format(LocalTime.ofNanoOfDay(((Number) avroValue).longValue() * 1_000_000));
            case DECIMAL -> new BigDecimal(new BigInteger(((GenericFixed) avroValue).bytes()), scale).toPlainString();
        };
    }

    @Override
    public String toString() {
        return sqlType();
    }

    private BigDecimal fittingDecimal(BigDecimal value) {
        BigDecimal stripped = value.scale() > scale ? value.stripTrailingZeros() : value;
        if (stripped.scale() > scale || stripped.precision() - stripped.scale() > precision - scale) {
            throw new NumberFormatException("out of " + sqlType());
        }
        return stripped.setScale(scale);
    }

    /**
     * numeric(p,s) as Parquet's fixed-length decimal: the unscaled value, big-endian two's
     * complement; one of up to 18 digits straight from its {@code long}, without a
     * {@code BigInteger} and its bytes.
     */
    private GenericData.Fixed decimal(BigDecimal value) {
        BigDecimal scaled = value.setScale(scale);
        byte[] bytes = new byte[decimalBytes];
        if (scaled.precision() <= LONG_DIGITS) {
            long unscaled = scaled.scaleByPowerOfTen(scale).longValueExact();
            for (int index = bytes.length - 1; index >= 0; index--) {
                bytes[index] = (byte) unscaled;
                unscaled >>= Byte.SIZE;
            }
            return new GenericData.Fixed(avroSchema, bytes);
        }
        byte[] unscaled = scaled.unscaledValue().toByteArray();
        byte padding = (byte) (unscaled[0] < 0 ? 0xFF : 0x00);
        int offset = bytes.length - unscaled.length;
        Arrays.fill(bytes, 0, offset, padding);
        ByteBuffer.wrap(bytes, offset, unscaled.length).put(unscaled);
        return new GenericData.Fixed(avroSchema, bytes);
    }

    /** The fewest bytes whose two's complement holds every value of {@code precision} digits. */
    private static int bytesFor(int precision) {
        BigInteger largest = BigInteger.TEN.pow(precision).subtract(BigInteger.ONE);
        return largest.bitLength() / 8 + 1;
    }
}
