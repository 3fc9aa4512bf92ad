package io.totesys.pipeline.lake.csv;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * An extracted CSV object that cannot be trusted: it does not parse, its columns are not
 * the catalogue's, or a value has the wrong type. It names where: the data row (1 is the
 * first record after the header, 0 the header itself) and the column, when known.
 */
public class InvalidSourceDataException extends RuntimeException {

    private final SourceTable table;
    private final long row;
    private final String column;
    private final String problem;

    public InvalidSourceDataException(SourceTable table, long row, String column, String problem, Throwable cause) {
        super(table.tableName() + " row " + row + (column == null ? "" : " column " + column) + ": " + problem, cause);
        this.table = table;
        this.row = row;
        this.column = column;
        this.problem = problem;
    }

    public SourceTable table() {
        return table;
    }

    public long row() {
        return row;
    }

    /** The column the problem is in, or {@code null} when it concerns a whole record or the file. */
    public String column() {
        return column;
    }

    public String problem() {
        return problem;
    }
}
