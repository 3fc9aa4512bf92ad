package io.totesys.pipeline.lake.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The lake's CSV dialect as the transform reads it: what the extract writes (every non-NULL
 * value quoted, NULL empty, records ended by CRLF or, as PostgreSQL's {@code COPY} writes them,
 * by LF) comes back value for value; anything else says what is wrong.
 */
class LakeCsvRecordsTest {

    @Test
    void recordsEndedByCrLfOrLfReadTheSame() {
        String values = "\"1\",,\"\",\"a \"\"quoted\"\", comma\",\"two\nlines\",\"café ☕\"";
        List<List<String>> expected = List.of(
                Arrays.asList("1", null, "", "a \"quoted\", comma", "two\nlines", "café ☕"),
                Arrays.asList("1", null, "", "a \"quoted\", comma", "two\nlines", "café ☕"));

        assertThat(records(values + "\r\n" + values + "\r\n")).isEqualTo(expected);
        assertThat(records(values + "\n" + values + "\n")).isEqualTo(expected);
        assertThat(records(values + "\n" + values)).as("no record end after the last").isEqualTo(expected);
    }

    @Test
    void anEmptyLineIsARecordOfOneNull() {
        assertThat(records("\"a\"\n\n\"b\"\n")).containsExactly(List.of("a"), Arrays.asList((String) null),
                List.of("b"));
    }

    @Test
    void aValueLongerThanTheBufferReadsWhole() {
        String longValue = "x\"".repeat(100_000);
        assertThat(records("\"" + longValue.replace("\"", "\"\"") + "\",\"end\"\n"))
                .containsExactly(List.of(longValue, "end"));
    }

    @Test
    void whatIsNotTheDialectSaysWhat() {
        assertThatThrownBy(() -> records("\"a\",\"oops\"broken\"\n")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid char between encapsulated token and delimiter");
        assertThatThrownBy(() -> records("\"a\",\"open")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ends inside a quoted value");
        assertThatThrownBy(() -> records(new byte[] {'"', (byte) 0xC3, '"', '\n'}))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("not UTF-8");
    }

    private static List<List<String>> records(String csv) {
        return records(csv.getBytes(StandardCharsets.UTF_8));
    }

    private static List<List<String>> records(byte[] csv) {
        List<List<String>> records = new ArrayList<>();
        try (LakeCsvRecords reader = new LakeCsvRecords(new ByteArrayInputStream(csv))) {
            for (String[] values = reader.next(); values != null; values = reader.next()) {
                records.add(Arrays.asList(values));
            }
        }
        return records;
    }
}
