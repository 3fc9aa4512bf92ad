package io.totesys.pipeline.starschema;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import org.apache.avro.generic.GenericRecord;

import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.lake.csv.SourceRow;

/**
 * The warehouse rows of a table that grows with the business, derived one by one from its
 * CSV object as the Parquet writer asks for them. The object is closed once its last row
 * is read or a row fails; the calendar days the rows reference are handed on at the end.
 */
final class StreamedRows implements Iterator<GenericRecord> {

    private final ExtractedCsv csv;
    private final BiFunction<SourceRow, Set<LocalDate>, GenericRecord> derive;
    private final Consumer<Set<LocalDate>> referencedDates;
    private final Set<LocalDate> dates = new HashSet<>();

    StreamedRows(ExtractedCsv csv, BiFunction<SourceRow, Set<LocalDate>, GenericRecord> derive,
            Consumer<Set<LocalDate>> referencedDates) {
        this.csv = csv;
        this.derive = derive;
        this.referencedDates = referencedDates;
    }

    @Override
    public boolean hasNext() {
        boolean more;
        try {
            more = csv.hasNext();
        } catch (RuntimeException e) {
            csv.close();
            throw e;
        }
        if (!more) {
            csv.close();
            referencedDates.accept(dates);
        }
        return more;
    }

    @Override
    public GenericRecord next() {
        try {
            return derive.apply(csv.next(), dates);
        } catch (RuntimeException e) {
            csv.close();
            throw e;
        }
    }
}
