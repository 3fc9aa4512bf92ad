package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseColumnType;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;

/**
 * Staged rows as PostgreSQL reads {@code COPY}'s binary format back: every value of every
 * type the star schema has exactly as it was, awkward ones included, NULL as NULL, and a row
 * written before columns were added with NULL in them.
 */
@ServerBacked
class BinaryCopyEncoderTest {

    private static final List<WarehouseColumn> COLUMNS = List.of(
            column("id", WarehouseColumnType.INTEGER),
            column("name", WarehouseColumnType.TEXT),
            column("amount", WarehouseColumnType.DECIMAL),
            column("rate", WarehouseColumnType.parse("numeric(38,10)").orElseThrow()),
            column("ratio", WarehouseColumnType.parse("numeric(5,5)").orElseThrow()),
            column("count", WarehouseColumnType.parse("numeric(9,0)").orElseThrow()),
            column("day", WarehouseColumnType.DATE),
            column("at", WarehouseColumnType.TIME),
            column("paid", WarehouseColumnType.BOOLEAN));

    @Test
    void everyValueReadsBackAsItWas() throws Exception {
        List<Object[]> rows = List.of(
                row(-2147483648, "", "-12345678.90", "-1234567890123456789012345678.0123456789", "0.00001", "1",
                        "1999-12-31", "23:59:59.999", false),
                row(1, "Ann", "0.00", "0.0000000000", "0.00000", "0", "2000-01-01", "00:00:00", true),
                row(4, "0.05", "0.05", "10000.0000000000", "0.10000", "100000000", "2026-12-01", "00:00:00.001",
                        false),
                row(5, null, null, null, null, null, null, null, null),
                row(2147483647, "Zoë \"the boss\", Ångström\r\nline two\t営業部 🏭", "99999999.99",
                        "9999999999999999999999999999.9999999999", "-0.99999", "-999999999", "1970-01-01",
                        "12:34:56.78", true));

        assertThat(copiedBack(rows, COLUMNS.size())).containsExactlyElementsOf(rows.stream()
                .map(values -> Arrays.stream(values).map(value -> value == null ? null : value.toString()).toList())
                .toList());
    }

    @Test
    void aRowWrittenBeforeColumnsWereAddedHasNullInThem() throws Exception {
        List<Object[]> rows = List.<Object[]>of(new Object[] {7, "Ann"});

        assertThat(copiedBack(rows, 2)).containsExactly(Arrays.asList("7", "Ann", null, null, null, null, null,
                null, null));
    }

    @Test
    void copyReadsBinary() {
        assertThat(new BinaryCopyEncoder(COLUMNS).copyOptions()).isEqualTo("(FORMAT binary)");
    }

    private static Object[] row(Object... values) {
        return values;
    }

    /** Copies the rows, each with its first {@code fields} values, into a table of the columns; reads them as text. */
    private static List<List<String>> copiedBack(List<Object[]> rows, int fields) throws IOException, SQLException {
        BinaryCopyEncoder encoder = new BinaryCopyEncoder(COLUMNS);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            encoder.start(out);
            for (Object[] values : rows) {
                encoder.write(record(values, fields), out);
            }
            encoder.end(out);
        }
        String columns = COLUMNS.stream().map(column -> column.name() + " " + column.type().sqlType())
                .collect(Collectors.joining(", "));
        try (Connection connection = TestWorld.get().databases().warehouse().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TEMPORARY TABLE copied (" + columns + ")");
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY copied FROM STDIN "
                    + encoder.copyOptions(), new ByteArrayInputStream(bytes.toByteArray()));
            List<List<String>> copied = new ArrayList<>();
            String asText = COLUMNS.stream().map(column -> column.name() + "::text").collect(Collectors.joining(", "));
            try (ResultSet result = statement.executeQuery("SELECT " + asText + " FROM copied ORDER BY id")) {
                while (result.next()) {
                    List<String> values = new ArrayList<>();
                    for (int index = 1; index <= COLUMNS.size(); index++) {
                        values.add(result.getString(index));
                    }
                    copied.add(values);
                }
            }
            statement.execute("DROP TABLE copied");
            return copied.stream().sorted((left, right) -> Integer.compare(Integer.parseInt(left.get(0)),
                    Integer.parseInt(right.get(0)))).toList();
        }
    }

    /** A row as parquet-avro reads it: the values in their Avro representation. */
    private static IndexedRecord record(Object[] values, int fields) {
        SchemaBuilder.FieldAssembler<Schema> schema = SchemaBuilder.record("row").fields();
        IntStream.range(0, fields).forEach(index -> schema.optionalString(COLUMNS.get(index).name()));
        GenericData.Record record = new GenericData.Record(schema.endRecord());
        for (int index = 0; index < fields; index++) {
            record.put(index, values[index] == null ? null : avro(COLUMNS.get(index).type(), values[index]));
        }
        return record;
    }

    private static Object avro(WarehouseColumnType type, Object value) {
        return switch (type.kind()) {
            case INTEGER, BOOLEAN -> value;
            case TEXT -> new Utf8((String) value);
            case DATE -> (int) LocalDate.parse((String) value).toEpochDay();
            case TIME -> (int) (LocalTime.parse((String) value).toNanoOfDay() / 1_000_000);
            case DECIMAL -> new GenericData.Fixed(Schema.createFixed("decimal", null, null, 16),
                    fixed(new BigDecimal((String) value).setScale(type.scale()).unscaledValue().toByteArray()));
        };
    }

    /** Big-endian two's complement in 16 bytes, as Parquet's fixed-length decimals. */
    private static byte[] fixed(byte[] unscaled) {
        byte[] bytes = new byte[16];
        Arrays.fill(bytes, 0, 16 - unscaled.length, (byte) (unscaled[0] < 0 ? 0xFF : 0));
        System.arraycopy(unscaled, 0, bytes, 16 - unscaled.length, unscaled.length);
        return bytes;
    }

    private static WarehouseColumn column(String name, WarehouseColumnType type) {
        return new WarehouseColumn(name, type, true, null);
    }
}
