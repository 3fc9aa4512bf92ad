package io.totesys.pipeline.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * A value too long for one {@code COPY} message (issue 24 point 3): the extract's {@code COPY}
 * leaves it out and says so, and {@link LongValueRows} writes the row's record in pieces with
 * exactly the bytes the {@code COPY} would have written, against ToteSys's own PostgreSQL: quotes
 * doubled, multi-byte characters and quotes cut across pieces, NULL apart from the empty text.
 */
@ServerBacked
class LongValueRowsTest {

    /** Small pieces, so that every awkward value is cut somewhere inside. */
    private static final int PIECE_BYTES = 7;
    private static final String AWKWARD = "\"quoted\", comma,\r\nnew line, café ☕ 😀 \"\"" + "é😀\"".repeat(9);

    private final EmbeddedWorld world = TestWorld.get();

    @BeforeEach
    void designsWithNotes() {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 24).seed(0.01);
        DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE design ADD COLUMN notes text",
                "UPDATE design SET notes = '" + AWKWARD.replace("'", "''") + "' WHERE design_id = 1",
                "UPDATE design SET notes = '', design_name = 'x' WHERE design_id = 3",
                "UPDATE design SET notes = repeat('ab\"', 400000) WHERE design_id = 4");
    }

    @AfterEach
    void restoreDesign() {
        ToteSysFixture.reset(world);
        DatabaseServer.execute(world.totesysOwner(), "ALTER TABLE design DROP COLUMN IF EXISTS notes");
    }

    @Test
    void aRowWrittenInPiecesIsByteForByteWhatCopyWrites() throws SQLException {
        try (Connection connection = world.totesysOwner().getConnection()) {
            connection.setAutoCommit(false);
            SourceSchema schema = SourceSchema.read(connection).get(SourceTable.DESIGN);
            LongValueRows rows = new LongValueRows(SourceTable.DESIGN, schema, connection, PIECE_BYTES);
            List.of(1, 2, 3, 4).forEach(rows::add);
            ByteArrayOutputStream pieces = new ByteArrayOutputStream();
            AtomicLong counted = new AtomicLong();
            rows.writeTo(pieces, ChangedRows.RECORD_SEPARATOR, counted::addAndGet);

            byte[] copied = copy(connection, "COPY (SELECT " + schema.selectList()
                    + " FROM design WHERE design_id <= 4 ORDER BY design_id) TO STDOUT (FORMAT csv, FORCE_QUOTE *)");
            assertThat(pieces.toByteArray()).isEqualTo(withCrlf(copied));
            assertThat(counted.get()).as("every byte written is counted for the progress line")
                    .isEqualTo(pieces.size());
        }
    }

    /**
     * The extract's {@code COPY} carries no value longer than {@link LongValueRows#INLINE_BYTES}:
     * the row says so in its fourth value and holds NULL in that value's place; every other row
     * is as before.
     */
    @Test
    void theCopyLeavesALongValueOutAndSaysSo() throws SQLException {
        try (Connection connection = world.totesysOwner().getConnection()) {
            connection.setAutoCommit(false);
            SourceSchema schema = SourceSchema.read(connection).get(SourceTable.DESIGN);
            long xmax;
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_current_snapshot()::text");
                    ResultSet snapshot = statement.executeQuery()) {
                snapshot.next();
                xmax = TransactionSnapshot.parse(snapshot.getString(1)).xmax();
            }
            String copy = TableQueries.rowsWithKeysCopy(SourceTable.DESIGN, schema, List.of(), xmax,
                    new int[] {1, 4});
            List<String> records = new ArrayList<>();
            for (String line : new String(copy(connection, copy), StandardCharsets.UTF_8).split("\n(?=\"[0-9])")) {
                records.add(line.stripTrailing());
            }
            assertThat(records).hasSize(2);
            String awkward = records.stream().filter(record -> record.startsWith("\"1\",")).findFirst().orElseThrow();
            String longOne = records.stream().filter(record -> record.startsWith("\"4\",")).findFirst().orElseThrow();
            assertThat(awkward.split(",")[3]).isEqualTo("\"f\"");
            assertThat(awkward).endsWith("\"" + AWKWARD.replace("\"", "\"\"") + "\"");
            assertThat(longOne.split(",")[3]).isEqualTo("\"t\"");
            assertThat(longOne).as("the long value is NULL, the others are there").endsWith(",")
                    .contains(",\"4\",").hasSizeLessThan(400);
        }
    }

    private static byte[] copy(Connection connection, String copy) throws SQLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            connection.unwrap(PGConnection.class).getCopyAPI().copyOut(copy, out);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** COPY's records end in LF; the lake's, as the extract writes them, in CRLF. */
    private static byte[] withCrlf(byte[] copied) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean quoted = false;
        for (byte value : copied) {
            if (value == '"') {
                quoted = !quoted;
            }
            if (value == '\n' && !quoted) {
                out.write('\r');
            }
            out.write(value);
        }
        return out.toByteArray();
    }
}
