package io.totesys.pipeline.warehouse;

import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.Utf8;

import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseColumnType;

/**
 * Rows in {@code COPY}'s binary format, which PostgreSQL takes in without parsing text: each
 * value in its type's own binary form ({@code integer} 4 bytes, {@code date} days since
 * 2000-01-01, {@code time} microseconds since midnight, {@code numeric} base-10000 digits,
 * {@code text} its UTF-8 bytes), NULL a length of -1. The staging tables have the
 * warehouse's column types, which are the star schema's (an added column's type is checked
 * against the warehouse's at start-up). A row written before an operator added columns to its
 * table ends early: the columns it lacks are NULL.
 */
final class BinaryCopyEncoder implements CopyEncoder {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    private static final int NULL_LENGTH = -1;
    /** Days from 1970-01-01 (Avro's dates) to 2000-01-01 (PostgreSQL's). */
    private static final int POSTGRES_EPOCH_DAY = 10_957;
    private static final int NUMERIC_BASE = 10_000;
    private static final int NUMERIC_NEGATIVE = 0x4000;
    private static final long[] POWERS_OF_TEN = {1, 10, 100, 1000};

    private final List<WarehouseColumn> columns;
    /** A text value written after each row's columns, or {@code null}: the batch of a row copied straight in. */
    private final byte[] trailingText;
    /** Base-10000 digits of the numeric being written, least significant first. */
    private final short[] digits = new short[16];

    BinaryCopyEncoder(List<WarehouseColumn> columns) {
        this(columns, null);
    }

    /** Rows of the columns, each followed by the same text value (the {@code batch_id} of a fact row). */
    BinaryCopyEncoder(List<WarehouseColumn> columns, String trailingText) {
        this.columns = List.copyOf(columns);
        this.trailingText = trailingText == null ? null : trailingText.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String copyOptions() {
        return "(FORMAT binary)";
    }

    @Override
    public void start(DataOutputStream out) throws IOException {
        out.write(SIGNATURE);
        out.writeInt(0); // flags
        out.writeInt(0); // header extension length
    }

    @Override
    public void write(IndexedRecord row, DataOutputStream out) throws IOException {
        int present = row.getSchema().getFields().size();
        out.writeShort(trailingText == null ? columns.size() : columns.size() + 1);
        for (int index = 0; index < columns.size(); index++) {
            Object value = index < present ? row.get(index) : null;
            if (value == null) {
                out.writeInt(NULL_LENGTH);
            } else {
                writeValue(columns.get(index).type(), value, out);
            }
        }
        if (trailingText != null) {
            out.writeInt(trailingText.length);
            out.write(trailingText);
        }
    }

    @Override
    public void end(DataOutputStream out) throws IOException {
        out.writeShort(-1);
    }

    private void writeValue(WarehouseColumnType type, Object value, DataOutputStream out) throws IOException {
        switch (type.kind()) {
            case INTEGER -> {
                out.writeInt(4);
                out.writeInt(((Number) value).intValue());
            }
            case DATE -> {
                out.writeInt(4);
                out.writeInt(((Number) value).intValue() - POSTGRES_EPOCH_DAY);
            }
            case TIME -> {
                out.writeInt(8);
                out.writeLong(((Number) value).longValue() * 1_000);
            }
            case BOOLEAN -> {
                out.writeInt(1);
                out.writeBoolean((Boolean) value);
            }
            case TEXT -> {
                if (value instanceof Utf8 utf8) {
                    out.writeInt(utf8.getByteLength());
                    out.write(utf8.getBytes(), 0, utf8.getByteLength());
                } else {
                    byte[] bytes = value.toString().getBytes(StandardCharsets.UTF_8);
                    out.writeInt(bytes.length);
                    out.write(bytes);
                }
            }
            case DECIMAL -> writeNumeric(new BigInteger(((GenericFixed) value).bytes()), type.scale(), out);
        }
    }

    /**
     * A {@code numeric} from its unscaled value and scale: the base-10000 digits around the
     * decimal point, without the zero groups at either end, the weight of the first (its
     * power of 10000), the sign, and the scale as the display scale.
     */
    private void writeNumeric(BigInteger unscaled, int scale, DataOutputStream out) throws IOException {
        int padding = (4 - scale % 4) % 4;
        int fractionGroups = (scale + padding) / 4;
        BigInteger magnitude = unscaled.abs();
        int count = 0;
        if (magnitude.bitLength() < 50) {
            long rest = magnitude.longValue() * POWERS_OF_TEN[padding];
            while (rest != 0) {
                digits[count++] = (short) (rest % NUMERIC_BASE);
                rest /= NUMERIC_BASE;
            }
        } else {
            BigInteger rest = magnitude.multiply(BigInteger.valueOf(POWERS_OF_TEN[padding]));
            BigInteger base = BigInteger.valueOf(NUMERIC_BASE);
            while (rest.signum() != 0) {
                BigInteger[] quotientAndRemainder = rest.divideAndRemainder(base);
                digits[count++] = quotientAndRemainder[1].shortValue();
                rest = quotientAndRemainder[0];
            }
        }
        int trailingZeros = 0;
        while (trailingZeros < count && digits[trailingZeros] == 0) {
            trailingZeros++;
        }
        int written = count - trailingZeros;
        out.writeInt(8 + 2 * written);
        out.writeShort(written);
        out.writeShort(written == 0 ? 0 : count - 1 - fractionGroups);
        out.writeShort(written == 0 || unscaled.signum() >= 0 ? 0 : NUMERIC_NEGATIVE);
        out.writeShort(scale);
        for (int index = count - 1; index >= trailingZeros; index--) {
            out.writeShort(digits[index]);
        }
    }
}
