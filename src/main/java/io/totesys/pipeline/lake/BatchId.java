package io.totesys.pipeline.lake;

import java.security.SecureRandom;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The id of a batch, threaded through all three hops: CSV objects, Parquet objects and
 * the warehouse load record (docs/architecture.md#batch-ids). It sorts by creation time and carries its
 * date partition: {@code 20261126T001635123Z-9f3a1c}. New batches take theirs from
 * {@code BatchIds}, which keeps them in order whatever the clock says.
 */
public record BatchId(String value) implements Comparable<BatchId> {

    private static final DateTimeFormatter INSTANT_FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern FORMAT = Pattern.compile("\\d{8}T\\d{9}Z-[0-9a-f]{6}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The instant of an id as written, checked: a day and a time that exist. */
    private static final DateTimeFormatter STRICT_INSTANT = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmssSSS'Z'")
            .withResolverStyle(ResolverStyle.STRICT).withZone(ZoneOffset.UTC);

    /**
     * @throws IllegalArgumentException when the value is not a batch id: not of its form, or
     *         naming a day or a time that does not exist ({@code 20261399T...})
     */
    public BatchId {
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a batch id");
        }
        try {
            STRICT_INSTANT.parse(value.substring(0, value.indexOf('-')));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + value + "' is not a batch id: it names no time", e);
        }
    }

    /** Whether a value has the form of a batch id, whether or not it names a time that exists. */
    public static boolean hasTheForm(String value) {
        return value != null && FORMAT.matcher(value).matches();
    }

    public static BatchId startingAt(Instant instant) {
        byte[] suffix = new byte[3];
        RANDOM.nextBytes(suffix);
        return new BatchId(INSTANT_FORMAT.format(instant.truncatedTo(ChronoUnit.MILLIS)) + "-"
                + HexFormat.of().formatHex(suffix));
    }

    /** The instant the id names, to the millisecond. */
    public Instant instant() {
        return INSTANT_FORMAT.parse(value.substring(0, value.indexOf('-')), Instant::from);
    }

    /** The UTC day the batch started on: its date partition in the lake. */
    public LocalDate date() {
        return LocalDate.parse(value.substring(0, 8), DateTimeFormatter.BASIC_ISO_DATE);
    }

    @Override
    public int compareTo(BatchId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
