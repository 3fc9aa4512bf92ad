package io.totesys.pipeline.lake.csv;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.QuoteMode;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.InvalidLakeObjectException;
import io.totesys.pipeline.lake.LakeObjectException;
import io.totesys.pipeline.lake.LakeReadException;
import io.totesys.pipeline.lake.ManifestCatalogue;

/**
 * Reads an extract CSV object back as validated {@link SourceRow}s, one at a time: the
 * inverse of what the extract stage writes (RFC 4180, records ended by LF or CRLF, header,
 * every non-NULL value quoted, so {@code ,,} is NULL and {@code ""} an empty string), read
 * by {@link LakeCsvRecords}.
 * <p>
 * Anything that is not exactly that, a record that does not parse, a header that is not
 * the columns its manifest records (or, for a manifest that records none, the catalogue's),
 * a header without a column of the catalogue, a value of the wrong type, a NULL in a NOT NULL column, is an
 * {@link InvalidSourceDataException} that says where. A value longer than the limit, in any
 * column (one ToteSys added too), is never held whole ({@link LakeCsvRecords}): its row is
 * handed to the caller's row quarantine ({@link LeftOutRow}) and reading goes on with the next
 * row, or, for a caller without one, it is invalid like the others. So is a
 * content that is not what its manifest entry says: a size or a SHA-256 the stream reports
 * wrong at its end ({@link InvalidLakeObjectException}), or another number of records. A
 * read that fails on the way ({@link LakeReadException}: a connection cut, an S3 error) says
 * nothing of the content: it is a {@link LakeObjectException}, and the stage tries again.
 */
public final class ExtractedCsv implements Iterator<SourceRow>, AutoCloseable {

    /** What extract manifests may name: the catalogue's tables, one CSV object each. */
    public static ManifestCatalogue manifestCatalogue() {
        return new ManifestCatalogue("the ToteSys catalogue " + SourceTable.tableNames(),
                Set.copyOf(SourceTable.tableNames()), "csv", false);
    }

    /** The lake's CSV dialect, for reading. */
    public static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setQuoteMode(QuoteMode.ALL_NON_NULL)
            .setNullString("")
            .get();

    private final SourceTable table;
    private final List<String> recordedColumns;
    private final int[] positions;
    private final Map<String, Integer> lakePositions = new HashMap<>();
    private final int maxFieldLength;
    private final long expectedRows;
    private final Consumer<LeftOutRow> leftOut;
    private final LakeCsvRecords records;
    private String[] pending;
    private long row;
    private boolean headerRead;
    private boolean failed;

    /**
     * Reads the table's rows from the CSV; a value longer than {@code maxFieldLength}
     * characters is invalid, and so is a CSV that does not hold {@code expectedRows} records
     * after its header.
     */
    public ExtractedCsv(SourceTable table, InputStream csv, int maxFieldLength, long expectedRows) {
        this(table, null, csv, maxFieldLength, expectedRows);
    }

    /**
     * Reads the table's rows from a CSV whose header its manifest records
     * ({@code recordedColumns}, {@code null} for a manifest that records none: then the header
     * is the catalogue's columns): a header that is not those columns is invalid, and so is
     * one that lacks a column of the catalogue. Columns the catalogue does not have, such as
     * one ToteSys added, are skipped.
     */
    public ExtractedCsv(SourceTable table, List<String> recordedColumns, InputStream csv, int maxFieldLength,
            long expectedRows) {
        this(table, recordedColumns, csv, maxFieldLength, expectedRows, null);
    }

    /**
     * Reads the table's rows as {@link #ExtractedCsv(SourceTable, List, InputStream, int, long)}
     * does, but a row with a value longer than {@code maxFieldLength} characters goes to
     * {@code leftOut} instead, and the next row is read.
     */
    public ExtractedCsv(SourceTable table, List<String> recordedColumns, InputStream csv, int maxFieldLength,
            long expectedRows, Consumer<LeftOutRow> leftOut) {
        this.table = table;
        this.recordedColumns = recordedColumns == null ? table.columnNames() : List.copyOf(recordedColumns);
        this.positions = new int[table.columns().size()];
        this.maxFieldLength = maxFieldLength;
        this.expectedRows = expectedRows;
        this.leftOut = leftOut;
        this.records = new LakeCsvRecords(csv, maxFieldLength);
        checkHeader();
    }

    private void checkHeader() {
        if (!hasNextRecord()) {
            throw invalid(null, "the object is empty: no header record", null);
        }
        List<String> found = Arrays.asList(pending);
        pending = null;
        headerRead = true;
        List<String> expected = recordedColumns;
        boolean catalogue = expected.equals(table.columnNames());
        if (!found.equals(expected)) {
            List<String> unexpected = new ArrayList<>(found);
            unexpected.removeAll(expected);
            List<String> missing = new ArrayList<>(expected);
            missing.removeAll(found);
            throw invalid(null, "the header is not the " + (catalogue ? "catalogue's" : "manifest's") + " columns "
                    + expected
                    + (unexpected.isEmpty() ? "" : "; unexpected " + unexpected)
                    + (missing.isEmpty() ? "" : "; missing " + missing)
                    + (unexpected.isEmpty() && missing.isEmpty() ? "; their order differs" : ""), null);
        }
        for (int column = 0; column < found.size(); column++) {
            lakePositions.put(found.get(column), column);
        }
        List<String> columns = table.columnNames();
        for (int column = 0; column < positions.length; column++) {
            positions[column] = found.indexOf(columns.get(column));
            if (positions[column] < 0) {
                throw invalid(columns.get(column), "the object lacks this column of the catalogue (ToteSys renamed or "
                        + "dropped it): the star schema needs it", null);
            }
        }
    }

    /** How many data records were read so far, rows left out included. */
    public long rowsRead() {
        return row;
    }

    @Override
    public boolean hasNext() {
        return hasNextRecord();
    }

    @Override
    public SourceRow next() {
        if (!hasNextRecord()) {
            throw new NoSuchElementException();
        }
        String[] values = pending;
        pending = null;
        row++;
        int columns = recordedColumns.size();
        if (values.length != columns) {
            throw invalid(null, "the record has " + values.length + " values, the table " + columns + " columns", null);
        }
        String[] texts = new String[positions.length];
        for (int column = 0; column < texts.length; column++) {
            texts[column] = values[positions[column]];
        }
        try {
            return SourceRow.parse(table, texts, lakePositions, values);
        } catch (SourceRow.InvalidValueException e) {
            throw invalid(e.column(), e.getMessage(), e.getCause());
        }
    }

    private boolean hasNextRecord() {
        if (pending != null) {
            return true;
        }
        boolean more;
        try {
            pending = records.next();
            while (pending != null && records.overlongValue() >= 0 && headerRead) {
                leaveOut(pending, records.overlongValue(), records.overlongLength());
                pending = records.next();
            }
            more = pending != null;
        } catch (InvalidLakeObjectException e) {
            throw invalid(null, e.problem(), e);
        } catch (UncheckedIOException | IllegalStateException e) {
            LakeReadException transfer = LakeReadException.in(e);
            if (transfer != null) {
                throw new LakeObjectException(transfer.getMessage(), transfer);
            }
            InvalidLakeObjectException untrusted = untrusted(e);
            if (untrusted != null) {
                throw invalid(null, untrusted.problem(), e);
            }
            throw invalid(null, "the CSV does not parse after this row: " + rootMessage(e), e);
        }
        if (!more && headerRead && !failed && row != expectedRows) {
            throw invalid(null, "it holds " + row + " records, its manifest says " + expectedRows, null);
        }
        return more;
    }

    /**
     * A row with a value past the limit: to the row quarantine, or invalid without one. A row
     * whose key cannot be told (the key itself too long, or not a number) is invalid: a row
     * left out must be named.
     */
    private void leaveOut(String[] values, int position, long length) {
        row++;
        String column = position < recordedColumns.size() ? recordedColumns.get(position) : null;
        String problem = "the value is " + length + " characters long, more than ETL_MAX_FIELD_LENGTH ("
                + maxFieldLength + ")";
        if (leftOut == null || values.length != recordedColumns.size()) {
            throw invalid(column, problem, null);
        }
        String key = values[positions[0]];
        try {
            leftOut.accept(new LeftOutRow(table, row, Integer.parseInt(key), column, problem));
        } catch (NumberFormatException e) {
            throw invalid(column, problem + "; and its key is not a number, so the row cannot be named", e);
        }
    }

    private static InvalidLakeObjectException untrusted(Throwable failure) {
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof InvalidLakeObjectException untrusted) {
                return untrusted;
            }
        }
        return null;
    }

    private InvalidSourceDataException invalid(String column, String problem, Throwable cause) {
        failed = true;
        return new InvalidSourceDataException(table, row, column, problem, cause);
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    @Override
    public void close() {
        records.close();
    }
}
