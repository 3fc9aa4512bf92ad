package io.totesys.pipeline.lake.csv;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.InvalidLakeObjectException;

/**
 * Reads an extract deletions object back ({@link DeletedRows} writes it): the header
 * {@code <primary key>,deleted_seen_at}, then one record per deleted key. A deletions object
 * holds keys only, so it is read whole. Anything else, a header that is not that, a key that
 * is not an integer, a time that is not {@code YYYY-MM-DD HH:MM:SS.mmm}, another number of
 * records than the manifest says, a content whose size or SHA-256 is not its entry's
 * ({@link InvalidLakeObjectException} from the stream), is an {@link InvalidSourceDataException}.
 */
public final class ExtractedDeletions {

    /**
     * One deleted row.
     *
     * @param key the row's primary key
     * @param seenAt the source time of the snapshot that first missed the row
     */
    public record Deletion(int key, LocalDateTime seenAt) {
    }

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");

    private ExtractedDeletions() {
    }

    /** The deletions of a table, read from its deletions object; the caller closes the stream. */
    public static List<Deletion> read(SourceTable table, InputStream csv, long expectedRows) {
        List<Deletion> deletions = new ArrayList<>();
        long row = 0;
        try (CSVParser parser = CSVParser.parse(new InputStreamReader(csv, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)), ExtractedCsv.FORMAT)) {
            boolean header = true;
            for (CSVRecord record : parser) {
                if (header) {
                    if (!record.toList().equals(DeletedRows.header(table))) {
                        throw new InvalidSourceDataException(table, 0, null, "the header of a deletions object is not "
                                + DeletedRows.header(table), null);
                    }
                    header = false;
                    continue;
                }
                row++;
                deletions.add(deletion(table, row, record));
            }
            if (header) {
                throw new InvalidSourceDataException(table, 0, null, "the object is empty: no header record", null);
            }
        } catch (IOException | UncheckedIOException | IllegalStateException | InvalidLakeObjectException e) {
            throw new InvalidSourceDataException(table, row, null, problem(e), e);
        }
        if (row != expectedRows) {
            throw new InvalidSourceDataException(table, row, null,
                    "it holds " + row + " records, its manifest says " + expectedRows, null);
        }
        return deletions;
    }

    private static Deletion deletion(SourceTable table, long row, CSVRecord record) {
        if (record.size() != 2) {
            throw new InvalidSourceDataException(table, row, null, "the record has " + record.size()
                    + " values, a deletions object 2 columns", null);
        }
        int key;
        try {
            key = Integer.parseInt(record.get(0));
        } catch (NumberFormatException e) {
            throw new InvalidSourceDataException(table, row, table.primaryKey(), "'" + record.get(0)
                    + "' is not an integer", e);
        }
        try {
            return new Deletion(key, LocalDateTime.parse(record.get(1), TIMESTAMP));
        } catch (DateTimeParseException | NullPointerException e) {
            throw new InvalidSourceDataException(table, row, DeletedRows.SEEN_AT_COLUMN, "'" + record.get(1)
                    + "' is not a timestamp (YYYY-MM-DD HH:MM:SS.mmm)", e);
        }
    }

    private static String problem(Exception failure) {
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof InvalidLakeObjectException untrusted) {
                return untrusted.problem();
            }
        }
        return "the CSV does not parse: " + failure.getMessage();
    }
}
