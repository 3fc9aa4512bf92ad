package io.totesys.pipeline.lake.csv;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * A row of an extract CSV object that the transform leaves out while the rest of the object
 * goes on: it holds a value longer than {@code ETL_MAX_FIELD_LENGTH}, which the transform did
 * not keep ({@link LakeCsvRecords}). The lake still holds the row whole.
 *
 * @param table the table
 * @param row the data row (1 is the first record after the header)
 * @param key the row's primary key
 * @param column the column of the long value, of the catalogue or one ToteSys added
 * @param problem what is wrong, in words
 */
public record LeftOutRow(SourceTable table, long row, int key, String column, String problem) {
}
