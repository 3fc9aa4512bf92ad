package io.totesys.pipeline.warehouse;

import java.io.IOException;
import java.io.Writer;

import org.apache.avro.generic.IndexedRecord;

/**
 * How the load hands rows to PostgreSQL's {@code COPY ... FROM STDIN}: the one place that
 * knows the text of a staged row, so that a faster encoding can take its place.
 */
interface CopyEncoder {

    /** The options of the {@code COPY} statement that reads what this encoder writes, such as {@code (FORMAT csv)}. */
    String copyOptions();

    /** Writes one row, its values in the order of the table's columns, and the row's end. */
    void write(IndexedRecord row, Writer out) throws IOException;
}
