package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
import io.totesys.pipeline.lake.csv.SourceRow;

/**
 * The transform reads an extract CSV by the columns its manifest records: a column the star
 * schema does not map is skipped, a header that is not the manifest's columns or that lacks
 * a column the star schema needs is invalid (and so quarantined).
 */
class RecordedColumnsTest {

    private static final String DEPARTMENT = "\"department_id\",\"department_name\",\"location\",\"manager\","
            + "\"created_at\",\"last_updated\"";
    private static final String ROW = "\"4\",\"Finance\",\"Leds\",,\"2022-11-03 14:20:49.962\","
            + "\"2022-11-03 14:20:49.962\"";

    @Test
    void aColumnTheStarSchemaDoesNotMapIsSkipped() {
        List<String> recorded = withBudget(SourceTable.DEPARTMENT.columnNames());
        try (ExtractedCsv csv = read(recorded, DEPARTMENT + ",\"budget\"\r\n" + ROW + ",\"1200.50\"\r\n")) {
            SourceRow row = csv.next();
            assertThat(row.texts()).containsExactly("4", "Finance", "Leds", null, "2022-11-03 14:20:49.962",
                    "2022-11-03 14:20:49.962");
            assertThat(row.text("location")).isEqualTo("Leds");
        }
    }

    @Test
    void aHeaderThatIsNotTheManifestsColumnsIsInvalid() {
        List<String> recorded = withBudget(SourceTable.DEPARTMENT.columnNames());
        assertThatThrownBy(() -> read(recorded, DEPARTMENT + "\r\n" + ROW + "\r\n"))
                .isInstanceOf(InvalidSourceDataException.class)
                .hasMessageContaining("the header is not the manifest's columns")
                .hasMessageContaining("missing [budget]");
    }

    @Test
    void aHeaderWithoutAColumnTheStarSchemaNeedsIsInvalidEvenIfItsManifestSaysSo() {
        List<String> recorded = new ArrayList<>(SourceTable.DEPARTMENT.columnNames());
        recorded.set(1, "department_title");
        String header = DEPARTMENT.replace("department_name", "department_title");
        assertThatThrownBy(() -> read(recorded, header + "\r\n" + ROW + "\r\n"))
                .isInstanceOf(InvalidSourceDataException.class)
                .hasMessageContaining("column department_name")
                .hasMessageContaining("the object lacks this column of the catalogue");
    }

    /**
     * docs/architecture.md#csv-format: records may end in LF, as PostgreSQL's COPY writes them, or CRLF; the transform
     * reads both alike.
     */
    @Test
    void recordsThatEndInALineFeedReadAsThoseThatEndInCrlf() {
        List<String> columns = SourceTable.DEPARTMENT.columnNames();
        String row = ROW.replace("\"Leds\"", "\"Leds\r\nWest\nYorkshire\"");
        try (ExtractedCsv lf = read(columns, DEPARTMENT + "\n" + row + "\n");
                ExtractedCsv crlf = read(columns, DEPARTMENT + "\r\n" + row + "\r\n")) {
            SourceRow fromLf = lf.next();
            assertThat(fromLf.texts()).isEqualTo(crlf.next().texts());
            assertThat(fromLf.text("location")).isEqualTo("Leds\r\nWest\nYorkshire");
            assertThat(lf.hasNext()).isFalse();
        }
    }

    private static List<String> withBudget(List<String> columns) {
        List<String> recorded = new ArrayList<>(columns);
        recorded.add("budget");
        return recorded;
    }

    private static ExtractedCsv read(List<String> recorded, String content) {
        return new ExtractedCsv(SourceTable.DEPARTMENT, recorded,
                new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), 1000, 1);
    }
}
