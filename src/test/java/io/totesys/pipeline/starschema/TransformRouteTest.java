package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.DuckDb;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * Golden tests of the star schema: hand-written ToteSys rows go through extract and
 * transform against the real servers, and DuckDB reads the Parquet back.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class TransformRouteTest {

    /** The processed bucket's table files of a test's first batch, once it is past it. */
    private final Set<String> firstBatch = new HashSet<>();

    @Inject
    ProducerTemplate producer;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void everyDerivationRuleOfTheStarSchema() throws Exception {
        DatabaseServer.execute(world.totesysOwner(), GOLDEN_ROWS);
        runExtractAndTransform();

        assertThat(table("fact_sales_order")).containsExactly(
                "1|2022-11-03|14:20:52.186+00|2022-11-06|09:05:00+00|1|1|84754|2.43|3|1|2022-11-03|2022-11-10|2");
        assertThat(table("fact_purchase_order")).containsExactly(
                "1|2022-11-03|14:20:52.187+00|2022-11-03|14:20:52.187+00|2|1|ZDOI5EA|371|361.39|2|2022-11-09|2022-11-07|1");
        assertThat(table("fact_payment")).containsExactly(
                "1|2022-11-03|14:20:52.186+00|2022-11-07|07:55:11.885+00|1|1|205952.22|3|1|true|2022-11-07",
                "2|2022-11-03|14:20:52.187+00|2022-11-03|14:20:52.187+00|2|1|134075.69|2|3|false|2022-11-09");
        assertThat(table("dim_date")).as("every referenced day, contiguous").containsExactly(
                "2022-11-03|2022|11|3|4|Thursday|November|4",
                "2022-11-04|2022|11|4|5|Friday|November|4",
                "2022-11-05|2022|11|5|6|Saturday|November|4",
                "2022-11-06|2022|11|6|7|Sunday|November|4",
                "2022-11-07|2022|11|7|1|Monday|November|4",
                "2022-11-08|2022|11|8|2|Tuesday|November|4",
                "2022-11-09|2022|11|9|3|Wednesday|November|4",
                "2022-11-10|2022|11|10|4|Thursday|November|4");
        assertThat(table("dim_currency")).containsExactly(
                "1|GBP|Pound Sterling", "2|USD|US Dollar", "3|EUR|Euro", "4|JPY|Japanese Yen", "5|XYZ|XYZ");
        assertThat(table("dim_location")).containsExactly(
                "1|6826 Herzog Via|null|Avon|New Patienceburgh|28441|Turkey|1803 637401",
                "2|179 Alexie Cliffs|null|null|Aliso Viejo|99305-7380|San Marino|9621 880720");
        assertThat(table("dim_counterparty")).containsExactly(
                "1|Fahey and Sons|179 Alexie Cliffs|null|null|Aliso Viejo|99305-7380|San Marino|9621 880720",
                "2|Leannon, Predovic and Morar|6826 Herzog Via|null|Avon|New Patienceburgh|28441|Turkey|1803 637401");
        assertThat(table("dim_staff")).containsExactly(
                "1|Jeremie|Franey|Sales|Manchester|jeremie.franey@terrifictotes.com",
                "2|Deron|Beier|Dispatch|Leds|deron.beier@terrifictotes.com",
                "3|Ana|Glover|Finance|null|ana.glover@terrifictotes.com");
        assertThat(table("dim_design")).containsExactly("1|Wooden|/lib|wooden-20201128-jdvi.json");
        assertThat(table("dim_payment_type")).containsExactly("1|SALES_RECEIPT", "3|PURCHASE_PAYMENT");
        assertThat(table("dim_transaction")).containsExactly("1|SALE|1|null", "2|PURCHASE|null|1");
    }

    @Test
    void aChangeOnOneSideOfAJoinReachesTheDimension() throws Exception {
        DatabaseServer.execute(world.totesysOwner(), GOLDEN_ROWS);
        runExtractAndTransform();
        firstBatch.addAll(processed.keys(LakeLayout.TABLES + "/"));
        long extractedObjects = csvObjects();

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE department SET department_name = 'Sales and Marketing', last_updated = now() "
                        + "WHERE department_id = 1",
                "UPDATE address SET address_line_1 = '10 O''Hara Street', last_updated = now() WHERE address_id = 2");
        runExtractAndTransform();

        assertThat(csvObjects()).as("the second extract batch holds only the changed rows")
                .isEqualTo(extractedObjects + 2);
        assertThat(table("dim_staff")).containsExactly(
                "1|Jeremie|Franey|Sales and Marketing|Manchester|jeremie.franey@terrifictotes.com");
        assertThat(table("dim_counterparty")).containsExactly(
                "1|Fahey and Sons|10 O'Hara Street|null|null|Aliso Viejo|99305-7380|San Marino|9621 880720");
        assertThat(table("dim_location")).containsExactly(
                "2|10 O'Hara Street|null|null|Aliso Viejo|99305-7380|San Marino|9621 880720");
        assertThat(processed.keys(LakeLayout.TABLES + "/"))
                .filteredOn(key -> key.contains("-part-") && !firstBatch.contains(key))
                .as("the second batch's parts are of the changed dimensions only").hasSize(3)
                .noneMatch(key -> key.contains("fact_") || key.contains("dim_date"));
    }

    @Test
    void parquetHasTypedColumnsAndAFastCodec() throws Exception {
        DatabaseServer.execute(world.totesysOwner(), GOLDEN_ROWS);
        runExtractAndTransform();

        Path folder = DuckDb.download(world.s3(), EmbeddedWorld.PROCESSED_BUCKET, keys("fact_sales_order"));
        assertThat(DuckDb.query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                + DuckDb.parquet(folder) + ")")).containsExactly(
                        "sales_order_id|INTEGER", "created_date|DATE", "created_time|TIME WITH TIME ZONE",
                        "last_updated_date|DATE", "last_updated_time|TIME WITH TIME ZONE", "sales_staff_id|INTEGER",
                        "counterparty_id|INTEGER", "units_sold|INTEGER", "unit_price|DECIMAL(10,2)",
                        "currency_id|INTEGER", "design_id|INTEGER", "agreed_payment_date|DATE",
                        "agreed_delivery_date|DATE", "agreed_delivery_location_id|INTEGER");
        assertThat(DuckDb.query("SELECT DISTINCT compression FROM parquet_metadata('" + folder.toAbsolutePath()
                + "/*.parquet')")).containsExactly("SNAPPY");
        Path payments = DuckDb.download(world.s3(), EmbeddedWorld.PROCESSED_BUCKET, keys("fact_payment"));
        assertThat(DuckDb.query("SELECT typeof(paid), typeof(payment_date) FROM " + DuckDb.parquet(payments)
                + " LIMIT 1")).containsExactly("BOOLEAN|DATE");
    }

    private void runExtractAndTransform() {
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
    }

    private long csvObjects() {
        return ingest.keys("processed/").stream().filter(key -> key.endsWith(".csv")).count();
    }

    /** The parts of a table's Iceberg table, but those of the first batch once a test is past it. */
    private List<String> keys(String table) {
        return processed.tableParts(table).stream().filter(key -> !firstBatch.contains(key)).toList();
    }

    /** The rows of a warehouse table's parts in the processed bucket, as DuckDB reads them, sorted. */
    private List<String> table(String table) {
        List<String> keys = keys(table);
        if (keys.isEmpty()) {
            return List.of();
        }
        Path folder = DuckDb.download(world.s3(), EmbeddedWorld.PROCESSED_BUCKET, keys);
        return DuckDb.query("SELECT COLUMNS(*)::VARCHAR FROM " + DuckDb.parquet(folder) + " ORDER BY 1");
    }

    private static final String TS = "'2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962'";

    static final String GOLDEN_ROWS = """
            INSERT INTO address VALUES
              (1, '6826 Herzog Via', NULL, 'Avon', 'New Patienceburgh', '28441', 'Turkey', '1803 637401', %1$s),
              (2, '179 Alexie Cliffs', NULL, NULL, 'Aliso Viejo', '99305-7380', 'San Marino', '9621 880720', %1$s);
            INSERT INTO counterparty VALUES
              (1, 'Fahey and Sons', 2, 'Micheal Toy', 'Mrs. Lucy Runolfsdottir', %1$s),
              (2, 'Leannon, Predovic and Morar', 1, NULL, NULL, %1$s);
            INSERT INTO currency VALUES (1, 'GBP', %1$s), (2, 'USD', %1$s), (3, 'EUR', %1$s), (4, 'JPY', %1$s),
              (5, 'XYZ', %1$s);
            INSERT INTO department VALUES (1, 'Sales', 'Manchester', 'Richard Roma', %1$s),
              (4, 'Dispatch', 'Leds', 'Mark Hanna', %1$s), (5, 'Finance', NULL, NULL, %1$s);
            INSERT INTO design VALUES (1, '2022-11-03 14:20:49.962', 'Wooden', '/lib', 'wooden-20201128-jdvi.json',
              '2022-11-03 14:20:49.962');
            INSERT INTO payment_type VALUES (1, 'SALES_RECEIPT', %1$s), (3, 'PURCHASE_PAYMENT', %1$s);
            INSERT INTO staff VALUES (1, 'Jeremie', 'Franey', 1, 'jeremie.franey@terrifictotes.com', %1$s),
              (2, 'Deron', 'Beier', 4, 'deron.beier@terrifictotes.com', %1$s),
              (3, 'Ana', 'Glover', 5, 'ana.glover@terrifictotes.com', %1$s);
            INSERT INTO sales_order VALUES (1, '2022-11-03 14:20:52.186', '2022-11-06 09:05:00', 1, 1, 1, 84754, 2.43,
              3, '2022-11-10', '2022-11-03', 2);
            INSERT INTO purchase_order VALUES (1, '2022-11-03 14:20:52.187', '2022-11-03 14:20:52.187', 2, 1,
              'ZDOI5EA', 371, 361.39, 2, '2022-11-09', '2022-11-07', 1);
            INSERT INTO transaction VALUES (1, 'SALE', 1, NULL, '2022-11-03 14:20:52.186', '2022-11-03 14:20:52.186'),
              (2, 'PURCHASE', NULL, 1, '2022-11-03 14:20:52.187', '2022-11-03 14:20:52.187');
            INSERT INTO payment VALUES
              (1, '2022-11-03 14:20:52.186', '2022-11-07 07:55:11.885', 1, 1, 205952.22, 3, 1, true, '2022-11-07',
               52923196, 32957646),
              (2, '2022-11-03 14:20:52.187', '2022-11-03 14:20:52.187', 2, 1, 134075.69, 2, 3, false, '2022-11-09',
               67305075, 31622269);
            """.formatted(TS);
}
