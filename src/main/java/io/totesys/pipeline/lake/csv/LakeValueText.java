package io.totesys.pipeline.lake.csv;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;

/**
 * The lake's text forms of timestamps, dates and {@code numeric(10,2)}, as PostgreSQL renders
 * them for the extract, parsed by position: {@code YYYY-MM-DD HH:MM:SS.mmm},
 * {@code YYYY-MM-DD} and {@code [-]digits[.d[d]]}. Anything else, or a field out of range
 * (a 30th of February, an hour 24), is a {@link DateTimeException} or a
 * {@link NumberFormatException} that says which form was expected.
 */
final class LakeValueText {

    private static final int TIMESTAMP_LENGTH = "YYYY-MM-DD HH:MM:SS.mmm".length();
    private static final int DATE_LENGTH = "YYYY-MM-DD".length();
    private static final long DECIMAL_INTEGER_LIMIT = 100_000_000L;
    private static final int DECIMAL_SCALE = 2;

    private LakeValueText() {
    }

    /** {@code YYYY-MM-DD HH:MM:SS.mmm}, exactly. */
    static LocalDateTime timestamp(String text) {
        if (text.length() != TIMESTAMP_LENGTH || text.charAt(10) != ' ' || text.charAt(13) != ':'
                || text.charAt(16) != ':' || text.charAt(19) != '.') {
            throw new DateTimeException("not YYYY-MM-DD HH:MM:SS.mmm");
        }
        checkDateSeparators(text);
        return LocalDateTime.of(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2), digits(text, 11, 2),
                digits(text, 14, 2), digits(text, 17, 2), digits(text, 20, 3) * 1_000_000);
    }

    /** {@code YYYY-MM-DD}, exactly. */
    static LocalDate date(String text) {
        if (text.length() != DATE_LENGTH) {
            throw new DateTimeException("not YYYY-MM-DD");
        }
        checkDateSeparators(text);
        return LocalDate.of(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2));
    }

    /**
     * An optional minus, one or more digits, and optionally a point and one or two digits
     * (more only if they are zeros, as a widened {@code numeric} column writes them: {@code 3.9400});
     * at most eight digits before the point, as {@code numeric(10,2)} holds. Its scale is 2.
     */
    static BigDecimal decimal(String text) {
        int length = text.length();
        int position = length > 0 && text.charAt(0) == '-' ? 1 : 0;
        int integerStart = position;
        long integer = 0;
        while (position < length && isDigit(text.charAt(position))) {
            integer = integer * 10 + (text.charAt(position++) - '0');
            if (integer >= DECIMAL_INTEGER_LIMIT) {
                throw new NumberFormatException("out of numeric(10,2)");
            }
        }
        if (position == integerStart) {
            throw new NumberFormatException("no digits before the point");
        }
        long fraction = 0;
        int fractionDigits = 0;
        if (position < length && text.charAt(position) == '.') {
            position++;
            while (position < length && isDigit(text.charAt(position))) {
                if (++fractionDigits > DECIMAL_SCALE) {
                    // A widened numeric column writes 3.9400: more digits, as long as they are zeros.
                    if (text.charAt(position++) != '0') {
                        throw new NumberFormatException("out of numeric(10,2)");
                    }
                    continue;
                }
                fraction = fraction * 10 + (text.charAt(position++) - '0');
            }
            if (fractionDigits == 0) {
                throw new NumberFormatException("no digits after the point");
            }
        }
        if (position != length) {
            throw new NumberFormatException("not [-]digits[.digits]");
        }
        for (int missing = fractionDigits; missing < DECIMAL_SCALE; missing++) {
            fraction *= 10;
        }
        long unscaled = integer * 100 + fraction;
        return BigDecimal.valueOf(integerStart == 1 ? -unscaled : unscaled, DECIMAL_SCALE);
    }

    private static void checkDateSeparators(String text) {
        if (text.charAt(4) != '-' || text.charAt(7) != '-') {
            throw new DateTimeException("not YYYY-MM-DD");
        }
    }

    private static int digits(String text, int start, int count) {
        int value = 0;
        for (int position = start; position < start + count; position++) {
            char digit = text.charAt(position);
            if (!isDigit(digit)) {
                throw new DateTimeException("'" + digit + "' where a digit belongs");
            }
            value = value * 10 + (digit - '0');
        }
        return value;
    }

    private static boolean isDigit(char character) {
        return character >= '0' && character <= '9';
    }
}
