package io.totesys.pipeline.catalogue;

import java.util.Set;

/**
 * How a ToteSys column is typed for the star schema, and which PostgreSQL types it takes.
 * <p>
 * Values are rendered by PostgreSQL itself, never by the JVM (the extract renders each column in its query), so
 * that no time zone, locale or floating point conversion can alter them on the way to the
 * lake.
 */
public enum ColumnType {
    INTEGER("int2", "int4", "int8"),
    TEXT("text", "varchar"),
    /** Text holding a calendar date, {@code YYYY-MM-DD}, such as {@code agreed_delivery_date}. */
    DATE_TEXT("text", "varchar", "date"),
    /** numeric(10,2): PostgreSQL's text form keeps the scale, {@code 12.50} stays {@code 12.50}. */
    DECIMAL("numeric"),
    /** {@code true} or {@code false}. */
    BOOLEAN("bool"),
    /** An enum of the source schema, carried as its label. */
    ENUM("text", "varchar"),
    /** timestamp(3) without time zone, always with three fractional digits. */
    TIMESTAMP("timestamp");

    private final Set<String> acceptedTypes;

    ColumnType(String... acceptedTypes) {
        this.acceptedTypes = Set.of(acceptedTypes);
    }

    /**
     * Whether a ToteSys column of this PostgreSQL type ({@code pg_type.typname}) still renders
     * as text the transform reads as this type: the catalogue's own type, or one it can take, such
     * as {@code bigint} for {@code integer}, any {@code varchar} for {@code text}, any
     * precision of {@code numeric} or {@code timestamp}. A value of such a type that does not
     * fit (a {@code bigint} beyond {@code integer}) is quarantined by the transform.
     */
    public boolean accepts(String typeName, boolean enumType) {
        return acceptedTypes.contains(typeName) || (this == ENUM && enumType);
    }
}
