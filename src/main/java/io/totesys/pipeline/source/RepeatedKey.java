package io.totesys.pipeline.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import io.totesys.pipeline.catalogue.SourceTable;

/**
 * A key ToteSys holds in more than one row of a table: possible only once its primary key
 * is dropped. The extract cannot carry such a table (a key is a row in the lake, the mirror
 * of its checksums and the star schema), so it holds it until the key is unique again.
 * <p>
 * Found exactly and cheaply, in the batch's snapshot: while the table has a valid unique
 * index on its key alone ({@code pg_index}, readable by a SELECT-only role), no key can
 * repeat and nothing more is read; without one, one {@code GROUP BY} of the key finds the
 * first key that repeats.
 *
 * @param key the least key that repeats
 * @param rows how many rows hold it
 * @param keys how many keys repeat
 */
public record RepeatedKey(long key, long rows, long keys) {

    private static final String UNIQUE_INDEX = """
            SELECT EXISTS (SELECT 1 FROM pg_index i
                             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                            WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indisvalid
                              AND i.indnkeyatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL
                              AND a.attname = ?)""";

    /** The table's first repeated key in the connection's transaction, if a key repeats. */
    static Optional<RepeatedKey> find(Connection connection, SourceTable table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(UNIQUE_INDEX)) {
            statement.setString(1, table.qualifiedName());
            statement.setString(2, table.primaryKey());
            try (ResultSet unique = statement.executeQuery()) {
                if (unique.next() && unique.getBoolean(1)) {
                    return Optional.empty();
                }
            }
        }
        String key = table.primaryKey();
        try (PreparedStatement statement = connection.prepareStatement("SELECT " + key + ", count(*), count(*) OVER () "
                + "FROM " + table.qualifiedName() + " WHERE " + key + " IS NOT NULL GROUP BY " + key
                + " HAVING count(*) > 1 ORDER BY " + key + " LIMIT 1");
                ResultSet repeated = statement.executeQuery()) {
            return repeated.next()
                    ? Optional.of(new RepeatedKey(repeated.getLong(1), repeated.getLong(2), repeated.getLong(3)))
                    : Optional.empty();
        }
    }

    /** What a hold of the table says about it: {@code its key sales_order_id 3 is in 2 rows ...}. */
    public String describe(SourceTable table) {
        return "its key " + table.primaryKey() + " " + key + " is in " + rows + " rows"
                + (keys > 1 ? " (" + keys + " keys repeat)" : "") + ", and ToteSys has no primary key or unique "
                + "index on " + table.primaryKey() + " that would refuse it";
    }
}
