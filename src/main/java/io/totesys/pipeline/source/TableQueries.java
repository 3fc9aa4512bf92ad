package io.totesys.pipeline.source;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.totesys.pipeline.catalogue.SourceColumn;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.RangeChecksum;

/**
 * The SQL that reads a catalogue table of ToteSys: its changed row versions by transaction id
 * ({@code xmin}), its rows by key, its row checksums, keys and counts. Table and column names
 * come from the catalogue ({@link SourceTable}), never from input; values are numbers and times
 * the pipeline holds.
 */
public final class TableQueries {

    private TableQueries() {
    }

    /**
     * The 64-bit id of the transaction that wrote a row version, from its 32-bit
     * {@code xmin} (readable with plain SELECT): the latest id below the snapshot's
     * {@code xmax} with those low bits ({@link TransactionSnapshot#widen}). Parameters: the
     * id before the snapshot's {@code xmax}, and its low 32 bits.
     * <p>
     * A row frozen by VACUUM keeps its 32-bit {@code xmin}, so once the server's counter has
     * passed those bits again, 2^32 transactions after the row was written, this names the
     * recent transaction that holds them now: an untouched row looks new once per 2^32
     * transactions and is read again, the same version (the read horizon takes that
     * transaction in only if it had ended: {@link ReadHorizon#after},
     * {@link WritingTransactions#ended}). Strictly below {@code xmax}: no row the snapshot sees
     * was written by {@code xmax} itself, so a frozen row whose bits are the counter's very
     * next id is not taken for new by a batch too early, and then again by the next.
     */
    private static final String ROW_TRANSACTION = rowTransaction("?", "?");

    /**
     * Cheap first test that a row version may be new: its {@code xmin} is no older than the
     * horizon's (an integer comparison, no conversion), so that only those few are looked up
     * in the horizon ({@link ReadHorizon#excludes}). Parameter: the horizon's xmin, its low 32
     * bits as text.
     * <p>
     * Both ages are taken in the one statement: {@code age()} counts from the next transaction
     * id as the transaction running it first asks, so two connections that share a snapshot
     * disagree by every transaction the server began between their first questions. A horizon's
     * age taken on one connection and compared on another left out the rows written just
     * after the horizon (BusyServerTest).
     */
    private static final String RECENT_ENOUGH = recentEnough("?");

    /** {@link #ROW_TRANSACTION} with its parameters given: SQL text or {@code ?}. */
    private static String rowTransaction(String lastVisible, String lastVisibleLowBits) {
        return "(" + lastVisible + "::bigint - mod(" + lastVisibleLowBits
                + "::bigint - xmin::text::bigint + 4294967296, 4294967296))";
    }

    /** {@link #RECENT_ENOUGH} with its parameter given: SQL text or {@code ?}; the horizon's age is computed once. */
    private static String recentEnough(String horizonLowBits) {
        return "age(xmin) BETWEEN 0 AND (SELECT age(" + horizonLowBits + "::xid))";
    }

    /** {@link #RECENT_ENOUGH} for a horizon whose xmin is {@code xid}. */
    private static String recentEnough(long xid) {
        return recentEnough("'" + xid % TransactionSnapshot.XID_SPACE + "'");
    }

    /**
     * The checksum of a row as the lake holds it, a {@code bigint}: the exclusive or of each of
     * its catalogue columns' lake text ({@link SourceSchema#catalogueText}) hashed with its
     * position as the seed ({@link #combined}). The extract reads it with each row (over the
     * same texts, rendered once: {@link #changedRowsCopy}) and reconciliation with each key,
     * computed by ToteSys, so that both agree; a column ToteSys adds leaves it as it was.
     */
    public static String checksum(SourceTable table) {
        return checksum(table, List.of());
    }

    /**
     * The checksum of a row that covers, after its catalogue columns, the columns the star
     * schema carries beyond them ({@link SourceSchema#carried}) as their lake text.
     */
    static String checksum(SourceTable table, List<SourceSchema.Column> carried) {
        return combined(checksummedTexts(table, carried));
    }

    /**
     * The checksum the mirror held before release 26 ({@code V26}): the MD5 of the record of
     * the same texts, as a {@code uuid}. It costs ToteSys twice the new one (turning the
     * record into text and MD5: 1,583,600 payments took 7.4 s to copy with it, 4.1 s with
     * {@link #combined}, PostgreSQL 15); the mirror's upgrade reads both once
     * ({@link SnapshotChecksums#rebase}).
     */
    static String checksumBeforeRelease26(SourceTable table, List<SourceSchema.Column> carried) {
        return checksummedTexts(table, carried).stream()
                .collect(Collectors.joining(", ", "md5(ROW(", ")::text)::uuid"));
    }

    private static List<String> checksummedTexts(SourceTable table, List<SourceSchema.Column> carried) {
        return Stream.concat(table.columns().stream().map(SourceSchema::catalogueText),
                carried.stream().map(SourceSchema::asText)).toList();
    }

    /**
     * A row's checksum over its values' texts: the exclusive or of {@code hashtextextended} of
     * each text with its position as the seed, so that the same text in another column hashes
     * differently, and a NULL text counts as its position. Two rows that differ anywhere get
     * equal checksums by a chance of about one in 2^64. The texts are hashed byte for byte
     * ({@code COLLATE "C"}), whatever the database's collation; {@code hashtextextended} is
     * the hash of hash indexes and hash partitions, stable across releases (PostgreSQL 11 and
     * later), and it reads the text as it is, where MD5 of the record first renders the record
     * as text, quoting each value.
     */
    static String combined(List<String> texts) {
        StringBuilder checksum = new StringBuilder("(");
        for (int position = 0; position < texts.size(); position++) {
            checksum.append(position == 0 ? "" : " # ").append("coalesce(hashtextextended((")
                    .append(texts.get(position)).append(") COLLATE \"C\", ").append(position).append("), ")
                    .append(position).append(')');
        }
        return checksum.append(')').toString();
    }

    /**
     * The query that sums up this table's key ranges ({@link RangeChecksum}) in one pass, in
     * range order: per range its number, its rows, the sum of their {@link #checksum}s and of
     * {@code hashint4} of their keys. ToteSys computes every row's checksum but sends one row
     * per 1,024 keys.
     */
    static String rangeChecksumsQuery(SourceTable table, List<SourceSchema.Column> carried) {
        String key = table.primaryKey();
        return "SELECT " + key + " >> " + RangeChecksum.BITS + ", count(*), sum(" + checksum(table, carried)
                + "), sum(hashint4(" + key + ")) FROM " + table.qualifiedName() + " GROUP BY 1 ORDER BY 1";
    }

    /**
     * The query the mirror's upgrade reads a key range of a table with
     * ({@link SnapshotChecksums#rebase}): each key, its row's {@link #checksumBeforeRelease26} as
     * text and its {@link #checksum}, in key order; parameters: the first key and the key after
     * the range.
     */
    static String rebaseQuery(SourceTable table, List<SourceSchema.Column> carried) {
        String key = table.primaryKey();
        return "SELECT " + key + ", " + checksumBeforeRelease26(table, carried) + "::text, "
                + checksum(table, carried) + " FROM " + table.qualifiedName() + " WHERE " + key + " >= ? AND " + key
                + " < ? ORDER BY " + key;
    }

    /**
     * The {@code COPY} that writes the rows of this table whose keys are in a set as
     * {@link #changedRowsCopy} does: what a repair batch reads again. {@code COPY} takes no
     * parameters: every value is written into the statement, from numbers the pipeline holds.
     */
    static String rowsWithKeysCopy(SourceTable table, SourceSchema schema, List<String> carried, long xmax,
            int[] keys) {
        StringBuilder array = new StringBuilder("'{");
        for (int index = 0; index < keys.length; index++) {
            array.append(index == 0 ? "" : ",").append(keys[index]);
        }
        return copy(table, schema, carried, xmax,
                " WHERE " + table.primaryKey() + " = ANY (" + array + "}'::integer[])");
    }

    /**
     * The query reconciliation streams a key range of this table with: each key, its row's
     * {@link #checksum} and whether its version was written by a transaction the read
     * horizon does not hold yet (the next batch reads it), in key order. The snapshot's
     * {@code xmax}, the age of the horizon's xmin and the horizon are written into the
     * statement, numbers the pipeline holds; parameters: the first key and the key after the
     * range.
     */
    static String checksumsQuery(SourceTable table, List<SourceSchema.Column> carried, long xmax,
            ReadHorizon horizon) {
        return "SELECT " + table.primaryKey() + ", " + checksum(table, carried) + ", (" + recentEnough(horizon.xmin())
                + " AND "
                + horizon.excludes(rowTransaction(xmax)) + ") FROM " + table.qualifiedName() + " WHERE "
                + table.primaryKey() + " >= ? AND " + table.primaryKey() + " < ? ORDER BY " + table.primaryKey();
    }

    /**
     * The {@code COPY} that writes this table's row versions in a window as CSV, every value
     * quoted but NULL: first the row's key, the id of the transaction that wrote it, its
     * {@link #checksum} and whether it holds a value too long to carry ({@link #longValuesLeftOut}),
     * then its columns rendered by {@code selectList} ({@link SourceSchema}),
     * ordered by {@code last_updated} and primary key. {@code COPY} takes no parameters: the
     * snapshot's {@code xmax} ({@link #ROW_TRANSACTION}), for {@link ChangeWindow.Kind#SINCE_HORIZON}
     * the age of the horizon's xmin ({@link #RECENT_ENOUGH}) and the horizon, and for
     * {@link ChangeWindow.Kind#SINCE_WATERMARK} the watermark are written into the statement,
     * from values the pipeline holds as numbers and times, never text from input.
     */
    static String changedRowsCopy(SourceTable table, SourceSchema schema, List<String> carried, long xmax,
            ChangeWindow window) {
        String where = switch (window.kind()) {
            case WHOLE_TABLE -> "";
            case SINCE_HORIZON -> " WHERE " + recentEnough(window.since().xmin()) + " AND "
                    + window.since().excludes(rowTransaction(xmax));
            case SINCE_WATERMARK -> " WHERE " + SourceTable.CHANGE_COLUMN + " >= '" + window.from() + "'::timestamp";
        };
        return copy(table, schema, carried, xmax, where);
    }

    /**
     * The {@code COPY} of the rows {@code where} selects: a subquery renders each lake column
     * once, and the {@link #checksum} is computed over those texts (a catalogue column whose
     * lake text is not its catalogue text, a timestamp kept with six digits, is rendered again
     * for it), so that no value is rendered twice; the subquery's {@code ORDER BY} keeps it
     * from being merged into the outer query, which would render them twice again.
     */
    private static String copy(SourceTable table, SourceSchema schema, List<String> carried, long xmax,
            String where) {
        List<SourceSchema.Column> lake = schema.lakeColumns();
        StringBuilder inner = new StringBuilder("SELECT ").append(table.primaryKey()).append(" AS row_key, ")
                .append(rowTransaction(xmax)).append(" AS row_transaction");
        List<String> checksummed = new ArrayList<>();
        StringBuilder values = new StringBuilder();
        for (int index = 0; index < lake.size(); index++) {
            inner.append(", ").append(SourceSchema.asText(lake.get(index))).append(" AS lake_").append(index);
            values.append(", ").append(inline(lake, index));
        }
        List<String> names = schema.lakeColumnNames();
        for (int index = 0; index < table.columns().size(); index++) {
            SourceColumn column = table.columns().get(index);
            int position = names.indexOf(column.name());
            if (position >= 0 && SourceSchema.rendersCatalogueText(lake.get(position), column)) {
                checksummed.add("lake_" + position);
            } else {
                inner.append(", ").append(SourceSchema.catalogueText(column)).append(" AS catalogue_").append(index);
                checksummed.add("catalogue_" + index);
            }
        }
        for (SourceSchema.Column column : schema.carried(carried)) {
            checksummed.add("lake_" + names.indexOf(column.name()));
        }
        inner.append(" FROM ").append(table.qualifiedName()).append(where).append(" ORDER BY ")
                .append(table.tableName())
                .append('.')
                .append(SourceTable.CHANGE_COLUMN).append(", ").append(table.tableName()).append('.')
                .append(table.primaryKey());
        return "COPY (SELECT row_key, row_transaction, " + combined(checksummed) + ", " + longValuesLeftOut(lake)
                + values + " FROM (" + inner + ") lake) TO STDOUT (FORMAT csv, FORCE_QUOTE *)";
    }

    /**
     * The fourth value of each copied row, whether it holds a value longer than
     * {@link LongValueRows#INLINE_BYTES} ({@code t} or {@code f}); the rows that do carry NULL
     * for such values, which {@link LongValueRows} reads in pieces. A column whose type's text
     * is short ({@link SourceSchema#mayBeLong}) is never measured.
     */
    private static String longValuesLeftOut(List<SourceSchema.Column> lake) {
        StringBuilder test = new StringBuilder();
        for (int index = 0; index < lake.size(); index++) {
            if (SourceSchema.mayBeLong(lake.get(index))) {
                test.append(test.isEmpty() ? "" : " OR ").append(isLong("lake_" + index));
            }
        }
        return test.isEmpty() ? "false" : "coalesce(" + test + ", false)";
    }

    /** A lake column's value as the {@code COPY} carries it: NULL when it is too long ({@link #longValuesLeftOut}). */
    private static String inline(List<SourceSchema.Column> lake, int index) {
        String value = "lake_" + index;
        return SourceSchema.mayBeLong(lake.get(index)) ? "CASE WHEN " + isLong(value) + " THEN NULL ELSE " + value
                + " END" : value;
    }

    private static String isLong(String value) {
        return "octet_length(" + value + ") > " + LongValueRows.INLINE_BYTES;
    }

    private static String rowTransaction(long xmax) {
        long lastVisible = xmax - 1;
        return rowTransaction(Long.toString(lastVisible), Long.toString(lastVisible % TransactionSnapshot.XID_SPACE));
    }

    /**
     * The ids of the transactions that wrote this table's row versions no older than a
     * transaction. Parameters: {@link #ROW_TRANSACTION}'s two, {@link #RECENT_ENOUGH}'s.
     */
    static String recentTransactionsQuery(SourceTable table) {
        return "SELECT DISTINCT " + ROW_TRANSACTION + " FROM " + table.qualifiedName() + " WHERE " + RECENT_ENOUGH;
    }

    /** The query that counts this table's rows. */
    static String countQuery(SourceTable table) {
        return "SELECT count(*) FROM " + table.qualifiedName();
    }

    /** The query that reads every key of this table. */
    static String keysQuery(SourceTable table) {
        return "SELECT " + table.primaryKey() + " FROM " + table.qualifiedName();
    }
}
