package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
import io.totesys.pipeline.lake.csv.SourceRow;

/**
 * An operator carries a column ToteSys added into the star schema with
 * {@code ETL_STAR_SCHEMA_ADDED_COLUMNS}: the catalogue lists it after the table's own columns, the
 * transform writes its value as the warehouse type (never rounded), an object from before the
 * column gives NULL, and a setting that cannot work is one line naming it.
 */
class AddedColumnsTest {

    private static final String SALES_ORDER = "\"1\",\"2022-11-03 14:20:49.962\",\"2022-11-04 09:00:00.000\",\"2\","
            + "\"19\",\"8\",\"42972\",\"3.94\",\"2\",\"2022-11-07\",\"2022-11-08\",\"8\"";

    @AfterEach
    void specStarSchema() {
        WarehouseTable.configure(AddedColumns.NONE);
    }

    @Test
    void anAddedColumnFollowsTheSpecColumnsNullableInParquetAndTheManifest() {
        WarehouseTable.configure(AddedColumns.parse(Optional.of("sales_order.discount_percent numeric(5,2);\n"
                + " payment.company_ac_number integer")));

        assertThat(WarehouseTable.FACT_SALES_ORDER.columnNames()).hasSize(15).endsWith("agreed_delivery_location_id",
                "discount_percent");
        assertThat(WarehouseTable.FACT_PAYMENT.columnNames()).endsWith("company_ac_number");
        assertThat(WarehouseTable.DIM_STAFF.columnNames()).hasSize(6);
        Schema.Field field = WarehouseTable.FACT_SALES_ORDER.avroSchema().getField("discount_percent");
        assertThat(field.pos()).isEqualTo(14);
        Schema decimal = field.schema().getTypes().get(1);
        assertThat(field.schema().getTypes().get(0).getType()).isEqualTo(Schema.Type.NULL);
        assertThat(decimal.getLogicalType()).isEqualTo(LogicalTypes.decimal(5, 2));
        assertThat(decimal.getFixedSize()).isEqualTo(3);
        assertThat(field.defaultVal()).isEqualTo(JsonProperties.NULL_VALUE);
        assertThat(WarehouseTable.manifestSchemas(List.of(new BatchManifest.Entry("fact_sales_order",
                "fact_sales_order/part-1.parquet", 1, 1, "sha", null))).get(0).columns()).last()
                .isEqualTo(new BatchManifest.Column("discount_percent", "numeric(5,2)"));
    }

    @Test
    void theTransformCarriesTheValueAndNullWhereTheObjectPredatesTheColumn() {
        WarehouseTable.configure(AddedColumns.parse(Optional.of("sales_order.discount_percent numeric(5,2)")));

        GenericRecord carried = StarSchemaRecords.salesOrder(salesOrder(SALES_ORDER + ",\"12.5\"", true), day -> {
        });
        assertThat(WarehouseColumnType.parse("numeric(5,2)").orElseThrow()
                .toText(carried.get("discount_percent"))).isEqualTo("12.50");
        assertThat(StarSchemaRecords.salesOrder(salesOrder(SALES_ORDER + ",", true), day -> {
        }).get("discount_percent")).isNull();
        assertThat(StarSchemaRecords.salesOrder(salesOrder(SALES_ORDER, false), day -> {
        }).get("discount_percent")).as("an object from before the column").isNull();
    }

    /** ToteSys widened unit_price to numeric(12,4): its text gains zeros, the value stays. */
    @Test
    void aWidenedDecimalsTrailingZerosAreTheSameValue() {
        String widened = SALES_ORDER.replace("\"3.94\"", "\"3.9400\"");

        GenericRecord order = StarSchemaRecords.salesOrder(salesOrder(widened, false), day -> {
        });

        assertThat(WarehouseColumnType.DECIMAL.toText(order.get("unit_price"))).isEqualTo("3.94");
        assertThatThrownBy(() -> salesOrder(SALES_ORDER.replace("\"3.94\"", "\"3.9401\""), false))
                .isInstanceOf(InvalidSourceDataException.class)
                .hasMessageContaining("'3.9401' is not a valid numeric(10,2)");
    }

    @Test
    void aValueTheWarehouseTypeCannotHoldIsRefusedNotRounded() {
        WarehouseTable.configure(AddedColumns.parse(Optional.of("sales_order.discount_percent numeric(5,2)")));

        assertThatThrownBy(() -> StarSchemaRecords.salesOrder(salesOrder(SALES_ORDER + ",\"12.345\"", true), day -> {
        })).isInstanceOf(InvalidSourceDataException.class).hasMessage("sales_order row 0 column discount_percent: "
                + "the row with key 1: '12.345' is not a valid numeric(5,2), the type ETL_STAR_SCHEMA_ADDED_COLUMNS "
                + "gives fact_sales_order.discount_percent");
        assertThatThrownBy(() -> StarSchemaRecords.salesOrder(salesOrder(SALES_ORDER + ",\"1234.5\"", true), day -> {
        })).isInstanceOf(InvalidSourceDataException.class).hasMessageContaining("'1234.5' is not a valid numeric(5,2)");
    }

    @Test
    void aSettingThatCannotWorkIsOneLineNamingIt() {
        assertThat(problem("sales_order.discount_percent")).isEqualTo("ETL_STAR_SCHEMA_ADDED_COLUMNS entry "
                + "'sales_order.discount_percent': it is not table.column type: write table.column type, such as "
                + "sales_order.discount_percent numeric(5,2), entries separated by ;");
        assertThat(problem("sale_order.discount_percent numeric(5,2)")).isEqualTo("ETL_STAR_SCHEMA_ADDED_COLUMNS "
                + "entry 'sale_order.discount_percent numeric(5,2)': 'sale_order' is not a ToteSys table; columns "
                + "can be added from [address, currency, design, payment_type, sales_order, purchase_order, "
                + "transaction, payment]");
        assertThat(problem("staff.nickname text")).contains("the rows of staff reach the star schema joined with "
                + "another table");
        assertThat(problem("sales_order.Discount text")).contains("'Discount' is not a column name");
        assertThat(problem("sales_order.units_sold integer")).endsWith("units_sold clashes with "
                + "fact_sales_order.units_sold, one of the star schema's own columns: a ToteSys column of that name "
                + "cannot be carried into it");
        assertThat(problem("sales_order.discount_percent money")).isEqualTo("ETL_STAR_SCHEMA_ADDED_COLUMNS entry "
                + "'sales_order.discount_percent money': 'money' is not a type an added column may have: write one "
                + "of [integer, numeric(p,s), date, boolean, text] (numeric up to 38 digits)");
        assertThat(problem("sales_order.discount_percent numeric(40,2)")).contains("'numeric(40,2)' is not a type");
        assertThat(problem("sales_order.note text; sales_order.note text")).endsWith("it names "
                + "fact_sales_order.note twice");
        assertThat(AddedColumns.parse(Optional.of(" ; "))).isSameAs(AddedColumns.NONE);
        assertThat(AddedColumns.parse(Optional.empty())).isSameAs(AddedColumns.NONE);
    }

    /**
     * Issue 25, point 6: a column the load writes itself is refused at start, in one line; an SQL
     * keyword is a column name like any other (the load quotes every column it names).
     */
    @Test
    void aColumnTheWarehouseKeepsItselfIsRefusedAndAKeywordIsAName() {
        assertThat(problem("sales_order.batch_id text")).isEqualTo("ETL_STAR_SCHEMA_ADDED_COLUMNS entry "
                + "'sales_order.batch_id text': batch_id clashes with fact_sales_order.batch_id, which the warehouse "
                + "keeps itself: a ToteSys column of that name cannot be carried into it");
        assertThat(problem("sales_order.sales_record_id integer")).endsWith("sales_record_id clashes with "
                + "fact_sales_order.sales_record_id, which the warehouse keeps itself: a ToteSys column of that name "
                + "cannot be carried into it");
        assertThat(problem("payment.payment_record_id integer"))
                .contains("clashes with fact_payment.payment_record_id");
        assertThat(problem("design.batch_id text")).contains("clashes with dim_design.batch_id");

        AddedColumns keywords = AddedColumns.parse(Optional.of("sales_order.order text; design.user text; "
                + "address.end text; payment.id integer; payment.sales_record_id integer"));
        assertThat(keywords.all()).extracting(AddedColumn::column)
                .containsExactly("order", "user", "end", "id", "sales_record_id");
    }

    @Test
    void theWarehouseMustHoldTheColumnWithTheSettingsType() {
        AddedColumn discount = AddedColumns.parse(Optional.of("sales_order.discount_percent numeric(5,2)")).all()
                .get(0);

        StarSchemaExtension.check(discount, "numeric(5,2)");
        assertThatThrownBy(() -> StarSchemaExtension.check(discount, null)).hasMessage("ETL_STAR_SCHEMA_ADDED_COLUMNS "
                + "adds sales_order.discount_percent numeric(5,2), but the warehouse has no column "
                + "fact_sales_order.discount_percent after the migrations: add it with a migration in "
                + "ETL_STAR_SCHEMA_MIGRATIONS, such as ALTER TABLE public.fact_sales_order ADD COLUMN "
                + "\"discount_percent\" numeric(5,2)");
        AddedColumn order = AddedColumns.parse(Optional.of("sales_order.order text")).all().get(0);
        assertThatThrownBy(() -> StarSchemaExtension.check(order, null)).hasMessageEndingWith("such as ALTER TABLE "
                + "public.fact_sales_order ADD COLUMN \"order\" text");
        assertThatThrownBy(() -> StarSchemaExtension.check(discount, "numeric(10,2)"))
                .hasMessageContaining("but the warehouse's fact_sales_order.discount_percent is numeric(10,2)");
    }

    private static String problem(String setting) {
        try {
            AddedColumns.parse(Optional.of(setting));
        } catch (StarSchemaSettingException e) {
            return e.getMessage();
        }
        throw new AssertionError("the setting '" + setting + "' was accepted");
    }

    /** A sales order as the lake holds it, with ToteSys's added column or from before it. */
    private static SourceRow salesOrder(String record, boolean withDiscount) {
        List<String> columns = new ArrayList<>(SourceTable.SALES_ORDER.columnNames());
        if (withDiscount) {
            columns.add("discount_percent");
        }
        String csv = String.join(",", columns.stream().map(column -> "\"" + column + "\"").toList()) + "\n" + record
                + "\n";
        try (ExtractedCsv rows = new ExtractedCsv(SourceTable.SALES_ORDER, columns,
                new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), 1000, 1)) {
            return rows.next();
        }
    }
}
