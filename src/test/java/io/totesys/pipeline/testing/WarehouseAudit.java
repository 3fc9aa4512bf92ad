package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.postgresql.PGConnection;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * The warehouse checked against the lake and ToteSys's audit trail ({@link ToteSysAudit},
 * which must have been installed before any write), the warehouse side of what
 * {@link ToteSysAudit} checks for the lake:
 * <ul>
 * <li>every fact version the lake holds has its star-schema projection in the warehouse's
 * fact history, marked with the batch that brought it, and none is there more often than the
 * lake holds it;</li>
 * <li>every fact version in the warehouse existed in ToteSys;</li>
 * <li>every deletion the lake holds of a row the warehouse has a table for is recorded in
 * that table's {@code <table>_deletion}, with its batch and when it was seen, and no other;</li>
 * <li>every {@code *_current} view equals the star schema computed from ToteSys, and
 * {@code dim_date} is a contiguous calendar over (at least) every day ToteSys refers to: the
 * history of deleted or changed rows may refer to days no current row does.</li>
 * </ul>
 * The lake's CSV objects and the audit trail's versions are projected onto the facts' columns
 * by the same SQL that computes the facts from ToteSys ({@link StarSchemaFromToteSys}).
 */
public final class WarehouseAudit {

    /** What the warehouse holds that it should not, or misses; each entry names its table. */
    public record Findings(List<String> missing, List<String> twice, List<String> unknown,
            List<String> missingDeletions, List<String> unexpectedDeletions, List<String> notCurrent,
            long factVersions, long deletions) {

        public void assertNone() {
            assertThat(missing).as("fact versions the lake holds, missing from the warehouse's history").isEmpty();
            assertThat(twice).as("fact versions in the warehouse more often than in the lake").isEmpty();
            assertThat(unknown).as("fact versions in the warehouse that never existed in ToteSys").isEmpty();
            assertThat(missingDeletions).as("deletions the lake holds, missing from the warehouse").isEmpty();
            assertThat(unexpectedDeletions).as("deletions in the warehouse that the lake does not hold").isEmpty();
            assertThat(notCurrent).as("*_current views that differ from ToteSys").isEmpty();
        }
    }

    private static final Map<WarehouseTable, SourceTable> FACT_SOURCES = Map.of(
            WarehouseTable.FACT_SALES_ORDER, SourceTable.SALES_ORDER,
            WarehouseTable.FACT_PURCHASE_ORDER, SourceTable.PURCHASE_ORDER,
            WarehouseTable.FACT_PAYMENT, SourceTable.PAYMENT);

    private WarehouseAudit() {
    }

    /** Compares the warehouse with the ingest bucket and ToteSys's audit trail. */
    public static Findings check(EmbeddedWorld world) {
        LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
        DataSource warehouse = world.databases().warehouse();
        List<String> missing = new ArrayList<>();
        List<String> twice = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        long factVersions = 0;
        for (Map.Entry<WarehouseTable, SourceTable> fact : FACT_SOURCES.entrySet()) {
            WarehouseTable table = fact.getKey();
            List<String> lake = lakeVersions(world, ingest, table, fact.getValue());
            Set<String> existed = new HashSet<>(SqlRows.of(world.totesysOwner(), StarSchemaFromToteSys.factProjection(
                    table, "(SELECT (row_text::public." + fact.getValue().tableName() + ").* FROM "
                            + ToteSysAudit.VERSIONS + " WHERE table_name = '" + fact.getValue().tableName()
                            + "' AND NOT deleted) AS version")));
            List<String> history = texts(warehouse, "SELECT (" + String.join(", ", table.columnNames())
                    + ")::text || ' ' || coalesce(batch_id, '-') FROM public." + table.tableName());
            factVersions += history.size();
            Map<String, Integer> lakeCopies = copies(lake.stream().map(WarehouseAudit::version).toList());
            Map<String, Integer> warehouseCopies = copies(history.stream().map(WarehouseAudit::version).toList());
            Set<String> loaded = new HashSet<>(history);
            lake.stream().filter(version -> !loaded.contains(version))
                    .forEach(version -> missing.add(table.tableName() + " " + version));
            warehouseCopies.forEach((version, count) -> {
                if (count > Math.max(1, lakeCopies.getOrDefault(version, 0))) {
                    twice.add(table.tableName() + " " + version + " x" + count);
                }
                if (!existed.contains(version)) {
                    unknown.add(table.tableName() + " " + version);
                }
            });
        }
        List<String> lakeDeletions = lakeDeletions(ingest);
        List<String> warehouseDeletions = new ArrayList<>();
        for (WarehouseTable table : WarehouseDeletions.tables()) {
            texts(warehouse, "SELECT '" + table.tableName() + " ' || " + table.keyColumn() + " || ' ' || batch_id"
                    + " || ' ' || to_char(deleted_seen_date + deleted_seen_time, 'YYYY-MM-DD HH24:MI:SS.MS') FROM "
                    + "public." + WarehouseDeletions.tableName(table)).forEach(warehouseDeletions::add);
        }
        List<String> missingDeletions = new ArrayList<>(lakeDeletions);
        missingDeletions.removeAll(warehouseDeletions);
        List<String> unexpectedDeletions = new ArrayList<>(warehouseDeletions);
        unexpectedDeletions.removeAll(lakeDeletions);
        List<String> notCurrent = new ArrayList<>();
        for (WarehouseTable table : WarehouseTable.values()) {
            if (table == WarehouseTable.DIM_DATE) {
                if (!StarSchemaFromToteSys.calendarCoversToteSys(world.totesysOwner(), warehouse)) {
                    notCurrent.add("dim_date: not a whole calendar over every day ToteSys refers to");
                }
                continue;
            }
            List<String> expected = StarSchemaFromToteSys.rows(world.totesysOwner(), table);
            List<String> found = StarSchemaFromToteSys.warehouseRows(warehouse, table);
            if (!found.equals(expected)) {
                List<String> extra = new ArrayList<>(found);
                extra.removeAll(expected);
                List<String> lacking = new ArrayList<>(expected);
                lacking.removeAll(found);
                notCurrent.add(table.tableName() + ": extra " + head(extra) + ", lacking " + head(lacking));
            }
        }
        return new Findings(missing, twice, unknown, missingDeletions, unexpectedDeletions, notCurrent,
                factVersions, warehouseDeletions.size());
    }

    /**
     * Every version of the fact's source rows in the lake, projected onto the fact's columns,
     * with the batch that brought it: {@code (…) <batch id>}, duplicates kept.
     */
    private static List<String> lakeVersions(EmbeddedWorld world, LakeContents ingest, WarehouseTable fact,
            SourceTable source) {
        List<String> versions = new ArrayList<>();
        try (Connection connection = world.totesysOwner().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TEMP TABLE lake_object (LIKE public." + source.tableName() + ")");
            for (String key : ingest.extractObjectKeys(false)) {
                if (!LakeContents.tableOf(key).equals(source.tableName())) {
                    continue;
                }
                connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                        "COPY lake_object FROM STDIN (FORMAT csv, HEADER true)", new StringReader(ingest.read(key)));
                String batch = LakeLayout.batchIdOf(LakeLayout.relative(key));
                try (ResultSet rows = statement.executeQuery("SELECT projected::text FROM ("
                        + StarSchemaFromToteSys.factProjection(fact, "lake_object") + ") AS projected")) {
                    while (rows.next()) {
                        versions.add(rows.getString(1) + " " + batch);
                    }
                }
                statement.execute("TRUNCATE lake_object");
            }
            statement.execute("DROP TABLE lake_object");
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("projecting the lake's " + source.tableName() + " versions failed: " + e,
                    e);
        }
        return versions;
    }

    /** Every deletion in the lake of a row the warehouse has a table for: {@code <table> <key> <batch> <seen at>}. */
    private static List<String> lakeDeletions(LakeContents ingest) {
        List<String> deletions = new ArrayList<>();
        for (String key : ingest.extractObjectKeys(true)) {
            SourceTable source = SourceTable.byTableName(LakeContents.tableOf(key)).orElseThrow();
            String batch = LakeLayout.batchIdOf(LakeLayout.relative(key));
            WarehouseDeletions.of(source).ifPresent(table -> ingest.records(key).forEach(record -> deletions
                    .add(table.tableName() + " " + record.get(0) + " " + batch + " " + record.get(1))));
        }
        return deletions;
    }

    /** The first column of a query's rows, as text. */
    private static List<String> texts(DataSource dataSource, String query) {
        List<String> texts = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            while (result.next()) {
                texts.add(result.getString(1));
            }
            return texts;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + e.getMessage() + "\n" + query, e);
        }
    }

    /** A fact version without the batch that brought it. */
    private static String version(String versionInBatch) {
        return versionInBatch.substring(0, versionInBatch.lastIndexOf(' '));
    }

    private static Map<String, Integer> copies(List<String> versions) {
        Map<String, Integer> copies = new HashMap<>();
        versions.forEach(version -> copies.merge(version, 1, Integer::sum));
        return copies;
    }

    private static List<String> head(List<String> rows) {
        return rows.size() <= 5 ? rows : rows.subList(0, 5);
    }
}
