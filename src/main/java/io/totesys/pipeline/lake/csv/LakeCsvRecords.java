package io.totesys.pipeline.lake.csv;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The records of a CSV object in the lake's dialect (docs/architecture.md#csv-format), read straight from its
 * UTF-8 bytes: values separated by commas, a quoted value with {@code ""} for a quote, an
 * empty unquoted value as NULL, records ended by LF or CRLF (a lone CR too), as RFC 4180
 * parsers such as commons-csv read it, at the speed of a byte scan.
 * <p>
 * Text after a closing quote other than a separator or a record end, a quote left open at
 * the end, or bytes that are not UTF-8 are an {@link IllegalStateException} or an
 * {@link UncheckedIOException} that says what; a failed read of the stream is an
 * {@link UncheckedIOException} around it.
 * <p>
 * A value longer than {@code maxValueLength} characters (as {@link String#length()} counts
 * them: UTF-16 units) is not kept: its characters are counted as they stream by and dropped
 * past the limit, so that one value, however long, costs at most the limit's bytes of memory.
 * The record then holds {@code null} in its place and says which value it was
 * ({@link #overlongValue()}) and how long ({@link #overlongLength()}), for the caller to leave
 * the row out.
 */
final class LakeCsvRecords implements AutoCloseable {

    private static final int END = -1;

    private final InputStream in;
    private final byte[] buffer = new byte[64 * 1024];
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final List<String> values = new ArrayList<>();
    private final long maxValueLength;
    private byte[] value = new byte[256];
    private int valueLength;
    private boolean valueAscii;
    private long valueCharacters;
    private int overlongValue;
    private long overlongLength;
    private int position;
    private int limit;
    private boolean ended;

    /** Reads records whose values may be as long as a Java array allows. */
    LakeCsvRecords(InputStream in) {
        this(in, Integer.MAX_VALUE);
    }

    /** Reads records, keeping no value longer than {@code maxValueLength} characters. */
    LakeCsvRecords(InputStream in, int maxValueLength) {
        this.in = in;
        this.maxValueLength = maxValueLength;
    }

    /** The next record's values, {@code null} for NULL; {@code null} once there is none. */
    String[] next() {
        int first = read();
        if (first == END) {
            return null;
        }
        values.clear();
        overlongValue = -1;
        int character = first;
        while (true) {
            valueLength = 0;
            valueAscii = true;
            valueCharacters = 0;
            int after;
            if (character == '"') {
                after = quoted();
                values.add(overlong() ? null : text());
            } else {
                after = unquoted(character);
                values.add(overlong() || valueLength == 0 ? null : text());
            }
            if (after == ',') {
                character = read();
                continue;
            }
            if (after == '\r' && peek() == '\n') {
                read();
            }
            return values.toArray(String[]::new);
        }
    }

    /**
     * The position in the last record of its first value longer than the limit, whose place
     * holds {@code null}; -1 when it has none.
     */
    int overlongValue() {
        return overlongValue;
    }

    /** How many characters long the {@link #overlongValue()} was. */
    long overlongLength() {
        return overlongLength;
    }

    /** Whether the value just read was past the limit: the first such of the record is noted. */
    private boolean overlong() {
        if (valueCharacters <= maxValueLength) {
            return false;
        }
        if (overlongValue < 0) {
            overlongValue = values.size();
            overlongLength = valueCharacters;
        }
        return true;
    }

    /** Reads a quoted value after its opening quote; returns what follows its closing quote. */
    private int quoted() {
        while (true) {
            if (position == limit && !fill()) {
                throw new IllegalStateException("the object ends inside a quoted value");
            }
            int start = position;
            int scan = start;
            int bits = 0;
            while (scan < limit && buffer[scan] != '"') {
                bits |= buffer[scan++];
            }
            append(start, scan - start, bits < 0);
            position = scan;
            if (scan == limit) {
                continue;
            }
            position++;
            int after = read();
            if (after == '"') {
                append('"');
            } else if (after == ',' || after == '\n' || after == '\r' || after == END) {
                return after;
            } else {
                throw new IllegalStateException("invalid char between encapsulated token and delimiter: '"
                        + (char) after + "' after a closing quote");
            }
        }
    }

    /** Reads an unquoted value from its first character; returns the separator or record end after it. */
    private int unquoted(int first) {
        int character = first;
        while (character != ',' && character != '\n' && character != '\r' && character != END) {
            append(character);
            character = read();
        }
        return character;
    }

    private void append(int character) {
        valueCharacters += characters((byte) character);
        if (valueCharacters > maxValueLength) {
            valueLength = 0;
            return;
        }
        if (valueLength == value.length) {
            value = Arrays.copyOf(value, value.length * 2);
        }
        value[valueLength++] = (byte) character;
        valueAscii &= character < 0x80;
    }

    /**
     * Adds bytes of the buffer to the value, counting its characters; past the limit they are
     * only counted, and what was kept goes.
     */
    private void append(int start, int length, boolean nonAscii) {
        if (nonAscii) {
            for (int index = start; index < start + length; index++) {
                valueCharacters += characters(buffer[index]);
            }
        } else {
            valueCharacters += length;
        }
        if (valueCharacters > maxValueLength) {
            valueLength = 0;
            return;
        }
        if (valueLength + length > value.length) {
            value = Arrays.copyOf(value, Math.max(value.length * 2, valueLength + length));
        }
        System.arraycopy(buffer, start, value, valueLength, length);
        valueLength += length;
        valueAscii &= !nonAscii;
    }

    /**
     * How many UTF-16 units a byte of UTF-8 adds to its text: one for the first byte of a
     * character, two for the first of four bytes (beyond the Basic Multilingual Plane),
     * none for the bytes that continue a character.
     */
    private static int characters(byte utf8) {
        if ((utf8 & 0xC0) == 0x80) {
            return 0;
        }
        return (utf8 & 0xF8) == 0xF0 ? 2 : 1;
    }

    private String text() {
        if (valueAscii) {
            return new String(value, 0, valueLength, StandardCharsets.ISO_8859_1);
        }
        try {
            return utf8.decode(ByteBuffer.wrap(value, 0, valueLength)).toString();
        } catch (CharacterCodingException e) {
            throw new UncheckedIOException("a value is not UTF-8", e);
        }
    }

    private int read() {
        if (position == limit && !fill()) {
            return END;
        }
        return buffer[position++] & 0xFF;
    }

    private int peek() {
        if (position == limit && !fill()) {
            return END;
        }
        return buffer[position] & 0xFF;
    }

    private boolean fill() {
        if (ended) {
            return false;
        }
        try {
            int read = in.read(buffer);
            while (read == 0) {
                read = in.read(buffer);
            }
            position = 0;
            limit = Math.max(read, 0);
            ended = read < 0;
            return read > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the stream: no record follows. */
    @Override
    public void close() {
        ended = true;
        position = limit;
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
