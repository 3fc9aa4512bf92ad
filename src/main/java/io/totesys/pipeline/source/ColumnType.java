package io.totesys.pipeline.source;

/**
 * How a ToteSys column is typed, and so how the extractor renders it as CSV text.
 * <p>
 * Values are rendered by PostgreSQL itself, never by the JVM, so that no time zone,
 * locale or floating point conversion can alter them on the way to the lake.
 */
public enum ColumnType {
    INTEGER("%s::text"),
    TEXT("%s::text"),
    /** Text holding a calendar date, {@code YYYY-MM-DD}, such as {@code agreed_delivery_date}. */
    DATE_TEXT("%s::text"),
    /** numeric(10,2): PostgreSQL's text form keeps the scale, {@code 12.50} stays {@code 12.50}. */
    DECIMAL("%s::text"),
    /** {@code true} or {@code false}. */
    BOOLEAN("%s::text"),
    /** An enum of the source schema, carried as its label. */
    ENUM("%s::text"),
    /** timestamp(3) without time zone, always with three fractional digits. */
    TIMESTAMP("to_char(%s, 'YYYY-MM-DD HH24:MI:SS.MS')");

    private final String textExpression;

    ColumnType(String textExpression) {
        this.textExpression = textExpression;
    }

    /** The SQL expression that renders the given column as its lake text. */
    String asText(String column) {
        return textExpression.formatted(column);
    }
}
