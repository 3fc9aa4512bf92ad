package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;

import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.starschema.WarehouseTable;

/** Staged rows as COPY's CSV format reads them back: every value exactly as it was. */
class CsvCopyEncoderTest {

    private final CsvCopyEncoder encoder = new CsvCopyEncoder(WarehouseTable.DIM_STAFF.columns());

    @Test
    void nullIsAnEmptyUnquotedFieldAndAnEmptyStringIsQuoted() throws IOException {
        assertThat(encode(7, "Ann", "", "Sales", null, "ann@example.com"))
                .isEqualTo("\"7\",\"Ann\",\"\",\"Sales\",,\"ann@example.com\"\n");
    }

    @Test
    void quotesAreDoubledInsideTheirQuotes() throws IOException {
        assertThat(encode(8, "Ann \"the boss\"", "O'Neil", "Sales", "\"", "a@example.com"))
                .isEqualTo("\"8\",\"Ann \"\"the boss\"\"\",\"O'Neil\",\"Sales\",\"\"\"\",\"a@example.com\"\n");
    }

    @Test
    void lineBreaksAndCommasTravelInsideTheQuotes() throws IOException {
        assertThat(encode(9, "Ann", "Lee", "Line one\nline two\r\n, three", "Leeds, UK", "a@example.com"))
                .isEqualTo("\"9\",\"Ann\",\"Lee\",\"Line one\nline two\r\n, three\",\"Leeds, UK\",\"a@example.com\"\n");
    }

    @Test
    void unicodeTextIsWrittenAsItIs() throws IOException {
        assertThat(encode(10, "Zoë", "Ångström", "営業部", "Düsseldorf 🏭", "zoë@例え.jp"))
                .isEqualTo("\"10\",\"Zoë\",\"Ångström\",\"営業部\",\"Düsseldorf 🏭\",\"zoë@例え.jp\"\n");
    }

    @Test
    void copyReadsCsv() {
        assertThat(encoder.copyOptions()).isEqualTo("(FORMAT csv)");
    }

    private String encode(Object... values) throws IOException {
        GenericData.Record row = new GenericData.Record(WarehouseTable.DIM_STAFF.avroSchema());
        for (int index = 0; index < values.length; index++) {
            row.put(index, values[index]);
        }
        StringWriter out = new StringWriter();
        encoder.write(row, out);
        return out.toString();
    }
}
