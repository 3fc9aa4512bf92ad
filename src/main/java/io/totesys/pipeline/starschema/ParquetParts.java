package io.totesys.pipeline.starschema;

import java.util.Iterator;
import java.util.NoSuchElementException;

import org.apache.avro.generic.GenericRecord;

/**
 * A table's rows cut into Parquet parts of at most {@code ETL_TRANSFORM_ROWS_PER_FILE} rows:
 * each part is a view of the next rows, read one at a time as the part's Parquet object is
 * written ({@link ParquetPartWriter}), so that memory stays flat whatever the batch's size.
 * A part is meant to be written before the next is asked for; the rows of one left unread
 * (its table failed, and Camel releases the rest of the split) are skipped when the next
 * part is asked for, which may then be empty, so that the parts always come to an end.
 */
final class ParquetParts implements Iterator<Iterator<GenericRecord>> {

    private final Iterator<GenericRecord> rows;
    private final int rowsPerPart;
    private Part handedOut;

    ParquetParts(Iterator<GenericRecord> rows, int rowsPerPart) {
        this.rows = rows;
        this.rowsPerPart = rowsPerPart;
    }

    @Override
    public boolean hasNext() {
        return rows.hasNext();
    }

    @Override
    public Iterator<GenericRecord> next() {
        if (handedOut == null && !rows.hasNext()) {
            throw new NoSuchElementException();
        }
        if (handedOut != null) {
            handedOut.forEachRemaining(row -> {
            });
        }
        handedOut = new Part();
        return handedOut;
    }

    /** The next rows of the table, up to a part's worth. */
    private final class Part implements Iterator<GenericRecord> {

        private int taken;

        @Override
        public boolean hasNext() {
            return taken < rowsPerPart && rows.hasNext();
        }

        @Override
        public GenericRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            taken++;
            return rows.next();
        }
    }
}
