package io.totesys.pipeline.starschema;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * When the rows of a fact's Parquet part were last updated in ToteSys, earliest and latest, each
 * the row's {@code last_updated_date} and {@code last_updated_time} taken together: the footer's
 * column statistics bound the day and the time of day apart, and a part whose rows span days
 * (a full load, a batch over midnight) has bounds that hold almost any time of today. The
 * writer records the range in the part's footer ({@value #EARLIEST}, {@value #LATEST}), so
 * that whoever holds the footer knows it without reading a row.
 */
public record LastUpdatedRange(LocalDateTime earliest, LocalDateTime latest) {

    /** The footer's key for the earliest time a row of the part was last updated. */
    public static final String EARLIEST = "totesys.last-updated.earliest";
    /** The footer's key for the latest time a row of the part was last updated. */
    public static final String LATEST = "totesys.last-updated.latest";

    private static final String DATE = "last_updated_date";
    private static final String TIME = "last_updated_time";
    private static final long NANOS_PER_MILLI = 1_000_000;
    private static final long MILLIS_PER_DAY = 86_400_000L;

    /** The range a part's footer records; none for a part of a table without the columns, or written before it did. */
    public static Optional<LastUpdatedRange> of(ParquetMetadata footer) {
        Map<String, String> metadata = footer.getFileMetaData().getKeyValueMetaData();
        String earliest = metadata.get(EARLIEST);
        String latest = metadata.get(LATEST);
        return earliest == null || latest == null ? Optional.empty()
                : Optional.of(new LastUpdatedRange(LocalDateTime.parse(earliest), LocalDateTime.parse(latest)));
    }

    /** When a fact row was last updated; none for a row without the columns or with either empty. */
    public static Optional<LocalDateTime> of(IndexedRecord row) {
        Schema schema = row.getSchema();
        Schema.Field date = schema.getField(DATE);
        Schema.Field time = schema.getField(TIME);
        if (date == null || time == null) {
            return Optional.empty();
        }
        Object day = row.get(date.pos());
        Object timeOfDay = row.get(time.pos());
        if (day == null || timeOfDay == null) {
            return Optional.empty();
        }
        return Optional.of(localTime(epochMillis(day, timeOfDay)));
    }

    /** A day and a time of day, as the star schema's Avro values hold them, as milliseconds since the epoch. */
    private static long epochMillis(Object day, Object timeOfDay) {
        return ((Number) day).longValue() * MILLIS_PER_DAY + ((Number) timeOfDay).longValue();
    }

    private static LocalDateTime localTime(long epochMillis) {
        return LocalDateTime.of(LocalDate.ofEpochDay(Math.floorDiv(epochMillis, MILLIS_PER_DAY)),
                LocalTime.ofNanoOfDay(Math.floorMod(epochMillis, MILLIS_PER_DAY) * NANOS_PER_MILLI));
    }

    /** The range's entries of a footer's key-value metadata. */
    Map<String, String> metadata() {
        return Map.of(EARLIEST, earliest.toString(), LATEST, latest.toString());
    }

    /**
     * The range of the rows a writer sees, one after the other, as milliseconds since the epoch
     * of ToteSys's local time (no object per row): none when a row has no time it was last
     * updated, so that no reader takes a range that leaves a row out.
     */
    static final class Tracker {

        private final int date;
        private final int time;
        private long earliest = Long.MAX_VALUE;
        private long latest = Long.MIN_VALUE;
        private boolean incomplete;

        private Tracker(int date, int time) {
            this.date = date;
            this.time = time;
        }

        /** A tracker for rows of the schema; none when the schema has not both columns. */
        static Optional<Tracker> of(Schema schema) {
            Schema.Field date = schema.getField(DATE);
            Schema.Field time = schema.getField(TIME);
            return date == null || time == null ? Optional.empty()
                    : Optional.of(new Tracker(date.pos(), time.pos()));
        }

        void see(IndexedRecord row) {
            Object day = row.get(date);
            Object timeOfDay = row.get(time);
            if (day == null || timeOfDay == null) {
                incomplete = true;
                return;
            }
            long at = epochMillis(day, timeOfDay);
            earliest = Math.min(earliest, at);
            latest = Math.max(latest, at);
        }

        /** The footer entries of the range seen: none when no row was seen, or one had no time. */
        Map<String, String> metadata() {
            return incomplete || earliest > latest ? Map.of()
                    : new LastUpdatedRange(localTime(earliest), localTime(latest)).metadata();
        }

    }
}
