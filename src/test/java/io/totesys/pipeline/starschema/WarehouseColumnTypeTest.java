package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;

import org.apache.avro.generic.GenericFixed;
import org.junit.jupiter.api.Test;

/**
 * A decimal as Parquet stores it: the unscaled value in big-endian two's complement over the
 * bytes its precision needs, read back as the same value, at the edges of {@code numeric(10,2)}
 * (written from its {@code long}) and of a {@code numeric(38,10)} an operator may add (beyond
 * a {@code long}).
 */
class WarehouseColumnTypeTest {

    @Test
    void decimalsAreStoredAsTheirUnscaledValueInTwosComplement() {
        List<String> money = List.of("0.00", "0.01", "-0.01", "1.50", "-1.50", "127.99", "-128.00", "255.00",
                "-256.01", "12345678.90", "99999999.99", "-99999999.99");
        for (String text : money) {
            assertRoundTrip(WarehouseColumnType.DECIMAL, new BigDecimal(text));
        }
        WarehouseColumnType wide = WarehouseColumnType.parse("numeric(38,10)").orElseThrow();
        List<String> wideValues = List.of("0", "-1", "922337203.6854775807", "922337203.6854775808",
                "-922337203.6854775808", "-922337203.6854775809", "9999999999999999999999999999.9999999999",
                "-9999999999999999999999999999.9999999999", "12345678.5");
        for (String text : wideValues) {
            assertRoundTrip(wide, new BigDecimal(text));
        }
    }

    @Test
    void aDecimalTakesTheBytesItsPrecisionNeedsWhateverItsValue() {
        assertThat(((GenericFixed) WarehouseColumnType.DECIMAL.toAvro(new BigDecimal("0.01"))).bytes()).hasSize(5)
                .containsExactly(0, 0, 0, 0, 1);
        assertThat(((GenericFixed) WarehouseColumnType.DECIMAL.toAvro(new BigDecimal("-0.01"))).bytes())
                .containsExactly(0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
        assertThat(((GenericFixed) WarehouseColumnType.parse("numeric(38,10)").orElseThrow()
                .toAvro(new BigDecimal("-1"))).bytes()).hasSize(16)
                .containsExactly(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFD, 0xAB, 0xF4,
                        0x1C, 0x00);
    }

    private static void assertRoundTrip(WarehouseColumnType type, BigDecimal value) {
        byte[] bytes = ((GenericFixed) type.toAvro(value)).bytes();
        assertThat(new BigDecimal(new BigInteger(bytes), type.scale())).as(value + " as " + type)
                .isEqualByComparingTo(value);
        assertThat(type.toText(type.toAvro(value))).as(value + " as " + type)
                .isEqualTo(value.setScale(type.scale()).toPlainString());
    }
}
