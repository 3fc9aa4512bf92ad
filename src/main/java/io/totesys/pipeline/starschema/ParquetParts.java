package io.totesys.pipeline.starschema;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import org.apache.avro.generic.GenericRecord;

/**
 * A table's rows in lists of at most {@code ETL_TRANSFORM_ROWS_PER_FILE}, each marshalled
 * into one Parquet object, so that memory stays flat whatever the batch's size.
 */
final class ParquetParts implements Iterator<List<GenericRecord>> {

    private final Iterator<GenericRecord> rows;
    private final int rowsPerPart;

    ParquetParts(Iterator<GenericRecord> rows, int rowsPerPart) {
        this.rows = rows;
        this.rowsPerPart = rowsPerPart;
    }

    @Override
    public boolean hasNext() {
        return rows.hasNext();
    }

    @Override
    public List<GenericRecord> next() {
        if (!rows.hasNext()) {
            throw new NoSuchElementException();
        }
        List<GenericRecord> part = new ArrayList<>(Math.min(rowsPerPart, 1024));
        while (part.size() < rowsPerPart && rows.hasNext()) {
            part.add(rows.next());
        }
        return part;
    }
}
