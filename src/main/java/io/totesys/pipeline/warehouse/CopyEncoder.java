package io.totesys.pipeline.warehouse;

import java.io.DataOutputStream;
import java.io.IOException;

import org.apache.avro.generic.IndexedRecord;

/**
 * How the load hands rows to PostgreSQL's {@code COPY ... FROM STDIN}: the one place that
 * knows the bytes of a staged row, so that a faster encoding can take its place.
 */
interface CopyEncoder {

    /** The options of the {@code COPY} statement that reads what this encoder writes, such as {@code (FORMAT binary)}. */
    String copyOptions();

    /** Writes what comes before the first row. */
    void start(DataOutputStream out) throws IOException;

    /** Writes one row, its values in the order of the table's columns. */
    void write(IndexedRecord row, DataOutputStream out) throws IOException;

    /** Writes what comes after the last row. */
    void end(DataOutputStream out) throws IOException;
}
