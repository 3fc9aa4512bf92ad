package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.postgresql.PGConnection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * The test ToteSys's audit trail ({@code totesys/audit.sql}): every row version a committed
 * transaction wrote, and every delete, with its transaction id. Against it, and the ToteSys
 * snapshot each extract batch's manifest records, the lake is checked exactly:
 * <ul>
 * <li>every row version that was current in some batch's snapshot is in the lake (a version
 * that two commits between polls replaced is not required; one a poll could see is);</li>
 * <li>every version in the lake existed in ToteSys, and none is there twice;</li>
 * <li>every delete a batch's snapshot saw, of a row the lake held, is in the lake's
 * deletions once, and there is no other deletion.</li>
 * </ul>
 */
public final class ToteSysAudit {

    /** The audit trail's table. */
    public static final String VERSIONS = "audit.row_version";

    /** What the lake holds that it should not, or misses. Each list holds {@code table id text}. */
    public record Findings(List<String> missing, List<String> unknown, List<String> twice,
            List<String> missingDeletions, List<String> unexpectedDeletions, long requiredVersions) {

        public void assertNone() {
            assertThat(missing).as("row versions a batch's snapshot saw, missing from the lake").isEmpty();
            assertThat(unknown).as("row versions in the lake that never existed in ToteSys").isEmpty();
            assertThat(twice).as("row versions in the lake more than once").isEmpty();
            assertThat(missingDeletions).as("deletes a batch's snapshot saw, missing from the lake").isEmpty();
            assertThat(unexpectedDeletions).as("deletions in the lake that ToteSys did not make").isEmpty();
        }
    }

    private static final String FINDINGS = """
            WITH snapshots AS (SELECT unnest(?::text[])::pg_snapshot AS snapshot),
            versions AS (
                SELECT v.*, lead(xid) OVER row_history AS next_xid
                  FROM audit.row_version v
                WINDOW row_history AS (PARTITION BY table_name, row_id ORDER BY version_id)),
            required AS (
                SELECT * FROM versions v
                 WHERE NOT deleted
                   AND EXISTS (SELECT 1 FROM snapshots
                                WHERE pg_visible_in_snapshot(v.xid, snapshot)
                                  AND (v.next_xid IS NULL OR NOT pg_visible_in_snapshot(v.next_xid, snapshot)))),
            required_deletions AS (
                SELECT DISTINCT d.table_name, d.row_id FROM versions d
                 WHERE d.deleted
                   AND EXISTS (SELECT 1 FROM snapshots WHERE pg_visible_in_snapshot(d.xid, snapshot))
                   AND EXISTS (SELECT 1 FROM required r WHERE r.table_name = d.table_name AND r.row_id = d.row_id
                                                          AND r.version_id < d.version_id))
            SELECT 'missing', table_name || ' ' || row_id || ' ' || row_text FROM required r
             WHERE NOT EXISTS (SELECT 1 FROM lake_version l
                                WHERE l.table_name = r.table_name AND l.row_text = r.row_text)
            UNION ALL
            SELECT 'unknown', table_name || ' ' || row_text FROM lake_version l
             WHERE NOT EXISTS (SELECT 1 FROM audit.row_version v
                                WHERE v.table_name = l.table_name AND v.row_text = l.row_text)
            UNION ALL
            SELECT 'twice', table_name || ' ' || row_text
              FROM (SELECT table_name, row_text, count(*) AS copies FROM lake_version GROUP BY 1, 2) l
              LEFT JOIN (SELECT table_name, row_text, count(*) AS versions FROM required GROUP BY 1, 2) r
                        USING (table_name, row_text)
             WHERE copies > greatest(1, versions)
            UNION ALL
            SELECT 'missing deletion', table_name || ' ' || row_id FROM required_deletions d
             WHERE NOT EXISTS (SELECT 1 FROM lake_deletion l WHERE l.table_name = d.table_name AND l.row_id = d.row_id)
            UNION ALL
            SELECT 'unexpected deletion', table_name || ' ' || row_id FROM lake_deletion l
             GROUP BY table_name, row_id
            HAVING count(*) > 1
                OR NOT EXISTS (SELECT 1 FROM required_deletions d
                                WHERE d.table_name = l.table_name AND d.row_id = l.row_id)
            UNION ALL
            SELECT 'required', count(*)::text FROM required""";

    private ToteSysAudit() {
    }

    /** Installs the audit trail in the world's ToteSys; installing it again changes nothing. */
    public static void install(EmbeddedWorld world) {
        try (InputStream sql = ToteSysAudit.class.getResourceAsStream("/totesys/audit.sql")) {
            DatabaseServer.execute(world.totesysOwner(), new String(sql.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compares the ingest bucket with the audit trail; the trail must have been installed before any write. */
    public static Findings check(EmbeddedWorld world) {
        LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
        try (Connection connection = world.totesysOwner().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TEMP TABLE lake_version (table_name text, row_text text)");
            statement.execute("CREATE TEMP TABLE lake_deletion (table_name text, row_id integer)");
            for (SourceTable table : SourceTable.values()) {
                statement.execute("CREATE TEMP TABLE lake_" + table.tableName() + " (LIKE public." + table.tableName()
                        + ")");
            }
            for (String key : ingest.extractObjectKeys(false)) {
                String table = LakeContents.tableOf(key);
                copy(connection, "lake_" + table, ingest.read(key));
                statement.execute("INSERT INTO lake_version SELECT '" + table + "', l::text FROM lake_" + table
                        + " l; TRUNCATE lake_" + table);
            }
            for (String key : ingest.extractObjectKeys(true)) {
                String table = LakeContents.tableOf(key);
                for (List<String> record : ingest.records(key)) {
                    statement.execute("INSERT INTO lake_deletion VALUES ('" + table + "', "
                            + Integer.parseInt(record.get(0)) + ")");
                }
            }
            return findings(connection, batchSnapshots(ingest));
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("comparing the lake with the ToteSys audit trail failed: " + e, e);
        }
    }

    private static Findings findings(Connection connection, List<String> snapshots) throws SQLException {
        List<String> missing = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> twice = new ArrayList<>();
        List<String> missingDeletions = new ArrayList<>();
        List<String> unexpectedDeletions = new ArrayList<>();
        long required = 0;
        try (PreparedStatement statement = connection.prepareStatement(FINDINGS)) {
            Array array = connection.createArrayOf("text", snapshots.toArray());
            statement.setArray(1, array);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String finding = rows.getString(2);
                    switch (rows.getString(1)) {
                        case "missing" -> missing.add(finding);
                        case "unknown" -> unknown.add(finding);
                        case "twice" -> twice.add(finding);
                        case "missing deletion" -> missingDeletions.add(finding);
                        case "unexpected deletion" -> unexpectedDeletions.add(finding);
                        default -> required = Long.parseLong(finding);
                    }
                }
            }
        }
        return new Findings(missing, unknown, twice, missingDeletions, unexpectedDeletions, required);
    }

    /**
     * The ToteSys snapshot of every extract batch in the lake, from its manifest. A repair
     * batch's snapshot is left out: it reads only the rows reconciliation found different
     * and leaves rows written since the last batch to the next one, whose later snapshot
     * takes them; a version overwritten in between was never current in an extract's snapshot.
     */
    private static List<String> batchSnapshots(LakeContents ingest) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> snapshots = new ArrayList<>();
        for (String key : ingest.keys("")) {
            if (LakeLayout.relative(key).startsWith(LakeLayout.MANIFESTS + "/")) {
                JsonNode manifest = json.readTree(ingest.read(key));
                JsonNode snapshot = manifest.get("sourceSnapshot");
                if (manifest.path("repair").asBoolean(false)) {
                    continue;
                }
                if (snapshot != null && !snapshot.isNull()) {
                    snapshots.add(snapshot.asText());
                }
            }
        }
        return snapshots;
    }

    private static void copy(Connection connection, String table, String csv) throws SQLException, IOException {
        connection.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY " + table + " FROM STDIN (FORMAT csv, HEADER true)", new StringReader(csv));
    }
}
