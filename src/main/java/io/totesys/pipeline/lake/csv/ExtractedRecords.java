package io.totesys.pipeline.lake.csv;

import java.util.Iterator;
import java.util.List;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * What an extract batch writes for a table as one CSV object through the route's marshaller:
 * the keys of its rows deleted since the previous batch
 * ({@link DeletedRows}), a header record first.
 */
public interface ExtractedRecords extends Iterator<List<String>> {

    SourceTable table();

    /** Whether these are deletions rather than row versions. */
    boolean deletions();

    /** Whether there is no data record at all; known before anything is read. */
    boolean isEmpty();

    /** How many data records were handed out so far: all of them once the iterator is drained. */
    long rowCount();
}
