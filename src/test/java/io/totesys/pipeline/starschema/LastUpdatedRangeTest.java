package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.util.Map;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * When a fact part's rows were last updated, day and time together: a part over midnight says
 * its earliest and latest exactly, where the columns' separate bounds would hold the whole of
 * its last day; a part with a row that has no time says nothing, so that no reader takes a
 * range that leaves the row out.
 */
class LastUpdatedRangeTest {

    private static final LocalDateTime BEFORE_MIDNIGHT = LocalDateTime.of(2026, 12, 6, 23, 59, 58, 250_000_000);
    private static final LocalDateTime AFTER_MIDNIGHT = LocalDateTime.of(2026, 12, 7, 0, 0, 1, 500_000_000);

    @Test
    void aPartOverMidnightSaysItsEarliestAndLatestExactly() {
        LastUpdatedRange.Tracker tracker = LastUpdatedRange.Tracker.of(WarehouseTable.FACT_PAYMENT.avroSchema())
                .orElseThrow();
        tracker.see(payment(AFTER_MIDNIGHT));
        tracker.see(payment(BEFORE_MIDNIGHT));
        tracker.see(payment(AFTER_MIDNIGHT.minusSeconds(1)));

        assertThat(tracker.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of(
                LastUpdatedRange.EARLIEST, "2026-12-06T23:59:58.250",
                LastUpdatedRange.LATEST, "2026-12-07T00:00:01.500"));
        assertThat(LastUpdatedRange.of(payment(BEFORE_MIDNIGHT))).contains(BEFORE_MIDNIGHT);
    }

    @Test
    void aPartWithARowWithoutATimeSaysNothing() {
        LastUpdatedRange.Tracker tracker = LastUpdatedRange.Tracker.of(WarehouseTable.FACT_PAYMENT.avroSchema())
                .orElseThrow();
        tracker.see(payment(BEFORE_MIDNIGHT));
        GenericRecord withoutATime = payment(AFTER_MIDNIGHT);
        withoutATime.put("last_updated_time", null);
        tracker.see(withoutATime);

        assertThat(tracker.metadata()).isEmpty();
        assertThat(LastUpdatedRange.of(withoutATime)).isEmpty();
    }

    @Test
    void onlyAFactsPartsSayIt() {
        assertThat(LastUpdatedRange.Tracker.of(WarehouseTable.DIM_STAFF.avroSchema())).isEmpty();
        assertThat(LastUpdatedRange.Tracker.of(WarehouseTable.FACT_PAYMENT.avroSchema()).orElseThrow().metadata())
                .as("no row seen").isEmpty();
    }

    private static GenericRecord payment(LocalDateTime lastUpdated) {
        GenericRecord payment = new GenericData.Record(WarehouseTable.FACT_PAYMENT.avroSchema());
        payment.put("last_updated_date", (int) lastUpdated.toLocalDate().toEpochDay());
        payment.put("last_updated_time", (int) (lastUpdated.toLocalTime().toNanoOfDay() / 1_000_000));
        return payment;
    }
}
