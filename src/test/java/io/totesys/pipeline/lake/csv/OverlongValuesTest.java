package io.totesys.pipeline.lake.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * A value longer than {@code ETL_MAX_FIELD_LENGTH} (issue 24 point 3): the transform counts
 * its characters as they stream and stops keeping them past the limit, so that however long
 * the value is, it never holds more than the limit of it; the row is left out with its key
 * and column, in a column of the catalogue or one ToteSys added, and the rows after it read
 * as before.
 */
class OverlongValuesTest {

    private static final List<String> DESIGN_WITH_NOTES = withNotes(SourceTable.DESIGN.columnNames());
    private static final String HEADER = "\"design_id\",\"created_at\",\"design_name\",\"file_location\","
            + "\"file_name\",\"last_updated\",\"notes\"\r\n";
    private static final String STAMPS = "\"2022-11-03 14:20:49.962\"";

    /** Longer than a timestamp's text, 23 characters. */
    private static final int LIMIT = 24;
    /** Longer than any Java array: a reader that held the value whole could not read it at all. */
    private static final long LONGER_THAN_ANY_ARRAY = (1L << 31) + 10;

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aValueLongerThanAnyArrayIsNotHeldWholeAndItsRowIsLeftOut() {
        List<LeftOutRow> leftOut = new ArrayList<>();
        InputStream csv = concat(text(HEADER + design(7, "\"Wooden\"") + ",\""), letters(LONGER_THAN_ANY_ARRAY),
                text("\"\r\n" + design(8, "\"Steel\"") + ",\"short\"\r\n"));
        try (ExtractedCsv rows = new ExtractedCsv(SourceTable.DESIGN, DESIGN_WITH_NOTES, csv, LIMIT, 2, leftOut::add)) {
            SourceRow after = rows.next();
            assertThat(after.id()).isEqualTo(8);
            assertThat(after.lakeText("notes")).isEqualTo("short");
            assertThat(rows.hasNext()).isFalse();
        }
        assertThat(leftOut).containsExactly(new LeftOutRow(SourceTable.DESIGN, 1, 7, "notes",
                "the value is " + LONGER_THAN_ANY_ARRAY + " characters long, more than ETL_MAX_FIELD_LENGTH (24)"));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void withoutARowQuarantineTheWholeObjectIsInvalidStillWithoutHoldingTheValue() {
        InputStream csv = concat(text(HEADER + design(7, "\"Wooden\"") + ",\""), letters(LONGER_THAN_ANY_ARRAY),
                text("\"\r\n"));
        try (ExtractedCsv rows = new ExtractedCsv(SourceTable.DESIGN, DESIGN_WITH_NOTES, csv, LIMIT, 1)) {
            assertThatThrownBy(rows::next).isInstanceOf(InvalidSourceDataException.class)
                    .hasMessageContaining("design row 1 column notes: the value is " + LONGER_THAN_ANY_ARRAY
                            + " characters long, more than ETL_MAX_FIELD_LENGTH (24)");
        }
    }

    /**
     * The limit counts characters as Java does ({@link String#length()}): an accented letter
     * is one, however many bytes its UTF-8 takes, a character beyond the Basic Multilingual
     * Plane two; a value of exactly the limit is kept, and doubled quotes count once.
     */
    @Test
    void theLimitCountsCharactersNotBytes() {
        String atLimit = "é".repeat(23) + "\"";
        String pastLimit = "😀".repeat(12) + "x";
        List<LeftOutRow> leftOut = new ArrayList<>();
        String csv = HEADER + design(1, quoted(atLimit)) + ",\"\"\r\n"
                + design(2, "\"Steel\"") + "," + quoted(pastLimit) + "\r\n"
                + design(3, quoted("a\"b".repeat(7) + "abc")) + ",\r\n"
                + design(4, quoted("a\"b".repeat(7) + "abcd")) + ",\r\n";
        List<SourceRow> kept = new ArrayList<>();
        try (ExtractedCsv rows = new ExtractedCsv(SourceTable.DESIGN, DESIGN_WITH_NOTES, text(csv), LIMIT, 4,
                leftOut::add)) {
            rows.forEachRemaining(kept::add);
        }
        assertThat(kept).extracting(SourceRow::id).containsExactly(1, 3);
        assertThat(kept.get(0).text("design_name")).isEqualTo(atLimit);
        assertThat(kept.get(1).text("design_name")).isEqualTo("a\"b".repeat(7) + "abc");
        assertThat(leftOut).containsExactly(
                new LeftOutRow(SourceTable.DESIGN, 2, 2, "notes",
                        "the value is 25 characters long, more than ETL_MAX_FIELD_LENGTH (24)"),
                new LeftOutRow(SourceTable.DESIGN, 4, 4, "design_name",
                        "the value is 25 characters long, more than ETL_MAX_FIELD_LENGTH (24)"));
    }

    /** The count of records against the manifest's includes the rows left out: nothing vanishes unsaid. */
    @Test
    void rowsLeftOutStillCountAgainstTheManifest() {
        String csv = HEADER + design(1, quoted("x".repeat(40))) + ",\r\n";
        try (ExtractedCsv rows = new ExtractedCsv(SourceTable.DESIGN, DESIGN_WITH_NOTES, text(csv), LIMIT, 2,
                row -> {
                })) {
            assertThatThrownBy(rows::hasNext).isInstanceOf(InvalidSourceDataException.class)
                    .hasMessageContaining("it holds 1 records, its manifest says 2");
        }
    }

    private static String design(int id, String name) {
        return "\"" + id + "\"," + STAMPS + "," + name + ",\"/usr\",\"wooden-npgz.json\"," + STAMPS;
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }

    private static List<String> withNotes(List<String> columns) {
        List<String> recorded = new ArrayList<>(columns);
        recorded.add("notes");
        return recorded;
    }

    private static InputStream text(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static InputStream concat(InputStream... parts) {
        return new SequenceInputStream(Collections.enumeration(Arrays.asList(parts)));
    }

    /** {@code length} bytes of {@code x}, made as they are read: the test holds none of them. */
    private static InputStream letters(long length) {
        return new InputStream() {

            private long left = length;

            @Override
            public int read() {
                if (left == 0) {
                    return -1;
                }
                left--;
                return 'x';
            }

            @Override
            public int read(byte[] buffer, int offset, int wanted) {
                if (left == 0) {
                    return -1;
                }
                int count = (int) Math.min(wanted, left);
                Arrays.fill(buffer, offset, offset + count, (byte) 'x');
                left -= count;
                return count;
            }
        };
    }
}
