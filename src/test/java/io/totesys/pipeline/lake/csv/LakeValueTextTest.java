package io.totesys.pipeline.lake.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;

import org.junit.jupiter.api.Test;

/**
 * Timestamps, dates and numeric(10,2) parsed by position: the lake's exact forms give the
 * values they stand for, any other text is refused, so that its object is quarantined.
 */
class LakeValueTextTest {

    @Test
    void theLakesFormsParse() {
        assertThat(LakeValueText.timestamp("2022-11-03 14:20:52.186"))
                .isEqualTo(LocalDateTime.of(2022, 11, 3, 14, 20, 52, 186_000_000));
        assertThat(LakeValueText.timestamp("2024-02-29 00:00:00.000")).isEqualTo(LocalDateTime.of(2024, 2, 29, 0, 0));
        assertThat(LakeValueText.date("2022-11-10")).isEqualTo(LocalDate.of(2022, 11, 10));
        assertThat(LakeValueText.decimal("2.43")).isEqualTo(new BigDecimal("2.43"));
        assertThat(LakeValueText.decimal("-0.50")).isEqualTo(new BigDecimal("-0.50"));
        assertThat(LakeValueText.decimal("12.5")).isEqualTo(new BigDecimal("12.50"));
        assertThat(LakeValueText.decimal("99999999.99")).isEqualTo(new BigDecimal("99999999.99"));
        assertThat(LakeValueText.decimal("7")).isEqualTo(new BigDecimal("7.00"));
    }

    @Test
    void anythingElseIsRefused() {
        for (String timestamp : new String[] {"2022-11-03 14:20:52", "2022-11-03T14:20:52.186",
                "2022-02-30 10:00:00.000",
                "2022-11-03 24:00:00.000", "2022-1-03 14:20:52.1860", "oops", ""}) {
            assertThatThrownBy(() -> LakeValueText.timestamp(timestamp)).as(timestamp)
                    .isInstanceOf(DateTimeException.class);
        }
        for (String date : new String[] {"2022-11-31", "2022/11/10", "22-11-10", "2022-11-1x"}) {
            assertThatThrownBy(() -> LakeValueText.date(date)).as(date).isInstanceOf(DateTimeException.class);
        }
        for (String decimal : new String[] {"12.3.4", "1.234", "123456789.00", "1e3", "+1.00", ".5", "5.", "-", "",
                "1 000"}) {
            assertThatThrownBy(() -> LakeValueText.decimal(decimal)).as(decimal)
                    .isInstanceOf(NumberFormatException.class);
        }
    }
}
