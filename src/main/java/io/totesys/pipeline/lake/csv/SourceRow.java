package io.totesys.pipeline.lake.csv;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.totesys.pipeline.catalogue.ColumnType;
import io.totesys.pipeline.catalogue.SourceColumn;
import io.totesys.pipeline.catalogue.SourceTable;

/**
 * One validated row of a ToteSys table, read back from the lake: every value parsed to
 * its type ({@link ColumnType}), NULL as {@code null}. It keeps the lake text it came
 * from, which is how the transform stage stores reference rows.
 */
public final class SourceRow {

    /** A text that is not a value of its column. */
    static final class InvalidValueException extends RuntimeException {

        private final String column;

        InvalidValueException(String column, String problem, Throwable cause) {
            super(problem, cause);
            this.column = column;
        }

        String column() {
            return column;
        }
    }

    private final SourceTable table;
    private final String[] texts;
    private final Object[] values;
    private final Map<String, Integer> lakePositions;
    private final String[] lakeValues;

    private SourceRow(SourceTable table, String[] texts, Object[] values, Map<String, Integer> lakePositions,
            String[] lakeValues) {
        this.table = table;
        this.texts = texts;
        this.values = values;
        this.lakePositions = lakePositions;
        this.lakeValues = lakeValues;
    }

    /**
     * Parses a row from its lake text, one value per catalogue column.
     *
     * @throws InvalidValueException naming the column whose text is not a valid value
     */
    static SourceRow parse(SourceTable table, String[] texts) {
        return parse(table, texts, Map.of(), texts);
    }

    /**
     * Parses a row from its lake text, one value per catalogue column, keeping the whole
     * record of its object ({@code lakeValues}, by {@code lakePositions}: the object's header)
     * for {@link #lakeText}.
     */
    static SourceRow parse(SourceTable table, String[] texts, Map<String, Integer> lakePositions,
            String[] lakeValues) {
        List<SourceColumn> columns = table.columns();
        Object[] values = new Object[texts.length];
        for (int index = 0; index < texts.length; index++) {
            values[index] = parse(columns.get(index), texts[index]);
        }
        return new SourceRow(table, texts, values, lakePositions, lakeValues);
    }

    /** Rebuilds a row from the text {@link #texts()} gave, as stored by a stage's state. */
    public static SourceRow fromTexts(SourceTable table, List<String> texts) {
        return parse(table, texts.toArray(String[]::new));
    }

    /**
     * The lake text of any column of the row's object, one of the catalogue or one ToteSys
     * added, unparsed: {@code null} for NULL, and for a column the object does not have (it
     * was extracted before ToteSys had it) or a row rebuilt from its catalogue texts.
     */
    public String lakeText(String column) {
        Integer position = lakePositions.get(column);
        if (position != null) {
            return lakeValues[position];
        }
        return table.columnNames().contains(column) ? texts[table.columnIndex(column)] : null;
    }

    public SourceTable table() {
        return table;
    }

    /** The row's values as the lake holds them, NULL as {@code null}. */
    public List<String> texts() {
        return Arrays.asList(texts);
    }

    public Integer integer(String column) {
        return (Integer) value(column);
    }

    public String text(String column) {
        return (String) value(column);
    }

    public BigDecimal decimal(String column) {
        return (BigDecimal) value(column);
    }

    public LocalDate date(String column) {
        return (LocalDate) value(column);
    }

    public LocalDateTime timestamp(String column) {
        return (LocalDateTime) value(column);
    }

    public Boolean bool(String column) {
        return (Boolean) value(column);
    }

    /** The row's primary key. */
    public int id() {
        return (Integer) values[0];
    }

    public LocalDateTime lastUpdated() {
        return timestamp(SourceTable.CHANGE_COLUMN);
    }

    private Object value(String column) {
        return values[table.columnIndex(column)];
    }

    private static Object parse(SourceColumn column, String text) {
        if (text == null) {
            if (!column.nullable()) {
                throw new InvalidValueException(column.name(), "NULL in a NOT NULL column", null);
            }
            return null;
        }
        try {
            return switch (column.type()) {
                case INTEGER -> Integer.valueOf(text);
                case TEXT, ENUM -> text;
                case DATE_TEXT -> LakeValueText.date(text);
                case DECIMAL -> LakeValueText.decimal(text);
                case BOOLEAN -> parseBoolean(text);
                case TIMESTAMP -> LakeValueText.timestamp(text);
            };
        } catch (NumberFormatException | DateTimeException e) {
            throw new InvalidValueException(column.name(),
                    "'" + abbreviate(text) + "' is not a valid " + describe(column.type()), e);
        }
    }

    /** {@code true} or {@code false}, compared as they are: a switch would hash each new text first. */
    private static Boolean parseBoolean(String text) {
        if ("true".equals(text)) {
            return Boolean.TRUE;
        }
        if ("false".equals(text)) {
            return Boolean.FALSE;
        }
        throw new NumberFormatException("not a boolean");
    }

    private static String describe(ColumnType type) {
        return switch (type) {
            case INTEGER -> "integer";
            case DECIMAL -> "numeric(10,2)";
            case DATE_TEXT -> "date (YYYY-MM-DD)";
            case BOOLEAN -> "boolean (true or false)";
            case TIMESTAMP -> "timestamp (YYYY-MM-DD HH:MM:SS.mmm)";
            case TEXT, ENUM -> "text";
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "... (" + text.length() + " characters)";
    }
}
