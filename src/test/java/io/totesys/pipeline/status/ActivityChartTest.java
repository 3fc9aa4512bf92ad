package io.totesys.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Issue 25 point 1: the chart is read at a glance. A first load of 49,580 rows beside later
 * batches of five rows (the real snapshot, then a quiet day) leaves those visible, and the
 * lag, on an axis of its own, never covers the bars however large it is.
 */
class ActivityChartTest {

    private static final List<ActivityChart.Slot> FIRST_LOAD_THEN_SMALL_BATCHES = List.of(
            new ActivityChart.Slot(0, 49_580, 1), new ActivityChart.Slot(600, 5, 1),
            new ActivityChart.Slot(1_200, 5, 1), new ActivityChart.Slot(1_800, 1, 1));

    @Test
    void smallBatchesAfterAFirstLoadStayVisible() {
        ActivityChart.Chart chart = ActivityChart.layout(FIRST_LOAD_THEN_SMALL_BATCHES, List.of(), 3_600, "", "");

        double first = chart.bars().get(0).height();
        assertThat(first).isEqualTo(ActivityChart.ROWS_HEIGHT);
        assertThat(chart.bars().get(1).height()).as("five rows beside 49,580").isGreaterThan(first / 8);
        assertThat(chart.bars().get(3).height()).as("one row").isGreaterThan(first / 20);
        assertThat(chart.rowTicks()).extracting(ActivityChart.Tick::label)
                .containsExactly("1", "10", "100", "1k", "10k");
        assertThat(chart.bars().get(1).title()).isEqualTo("5 rows in 1 batches");
        assertThat(chart.rows()).isEqualTo(49_591);
        assertThat(chart.batches()).isEqualTo(4);
    }

    @Test
    void theLagHasItsOwnAxisBelowTheBars() {
        List<ActivityChart.Lag> lags = List.of(new ActivityChart.Lag(0, 0.4), new ActivityChart.Lag(600, 7_200),
                new ActivityChart.Lag(1_200, 0.9));

        ActivityChart.Chart chart = ActivityChart.layout(FIRST_LOAD_THEN_SMALL_BATCHES, lags, 3_600, "", "");

        for (String point : chart.lagLine().split(" ")) {
            double y = Double.parseDouble(point.split(",")[1]);
            assertThat(y).as(point).isBetween(ActivityChart.LAG_TOP, ActivityChart.LAG_TOP + ActivityChart.LAG_HEIGHT);
        }
        assertThat(chart.bars()).allSatisfy(bar -> assertThat(bar.y() + bar.height())
                .isLessThanOrEqualTo(ActivityChart.ROWS_HEIGHT));
        assertThat(chart.maxLag()).isEqualTo(Formats.seconds(7_200));
    }

    @Test
    void anEmptyDayDrawsNothing() {
        ActivityChart.Chart chart = ActivityChart.layout(List.of(), List.of(), 1, "", "12:00");

        assertThat(chart.bars()).isEmpty();
        assertThat(chart.lagLine()).isEmpty();
        assertThat(chart.rowTicks()).extracting(ActivityChart.Tick::label).containsExactly("1");
    }
}
