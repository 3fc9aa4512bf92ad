package io.totesys.pipeline.starschema;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import io.totesys.pipeline.lake.csv.InvalidSourceDataException;
import io.totesys.pipeline.lake.csv.SourceRow;

/**
 * The derivation rules of the star schema (docs/architecture.md#derivation-rules): each method builds one
 * warehouse row, as an Avro record ready for Parquet, from the source rows it derives from.
 */
public final class StarSchemaRecords {

    /** The currency names the business uses; other codes take their ISO 4217 English name. */
    private static final Map<String, String> CURRENCY_NAMES = Map.of(
            "GBP", "Pound Sterling",
            "USD", "US Dollar",
            "EUR", "Euro");

    private StarSchemaRecords() {
    }

    public static GenericRecord location(SourceRow address) {
        return record(WarehouseTable.DIM_LOCATION, address, address.id(), address.text("address_line_1"),
                address.text("address_line_2"), address.text("district"), address.text("city"),
                address.text("postal_code"), address.text("country"), address.text("phone"));
    }

    public static GenericRecord counterparty(SourceRow counterparty, SourceRow legalAddress) {
        return record(WarehouseTable.DIM_COUNTERPARTY, null, counterparty.id(),
                counterparty.text("counterparty_legal_name"),
                legalAddress.text("address_line_1"), legalAddress.text("address_line_2"),
                legalAddress.text("district"), legalAddress.text("city"), legalAddress.text("postal_code"),
                legalAddress.text("country"), legalAddress.text("phone"));
    }

    public static GenericRecord currency(SourceRow currency) {
        String code = currency.text("currency_code");
        return record(WarehouseTable.DIM_CURRENCY, currency, currency.id(), code, currencyName(code));
    }

    /** GBP, USD and EUR by the business's names, other codes by ISO 4217, an unknown code by itself. */
    public static String currencyName(String code) {
        String name = CURRENCY_NAMES.get(code);
        if (name != null) {
            return name;
        }
        try {
            return Currency.getInstance(code).getDisplayName(Locale.ENGLISH);
        } catch (IllegalArgumentException e) {
            return code;
        }
    }

    public static GenericRecord design(SourceRow design) {
        return record(WarehouseTable.DIM_DESIGN, design, design.id(), design.text("design_name"),
                design.text("file_location"),
                design.text("file_name"));
    }

    public static GenericRecord paymentType(SourceRow paymentType) {
        return record(WarehouseTable.DIM_PAYMENT_TYPE, paymentType, paymentType.id(),
                paymentType.text("payment_type_name"));
    }

    public static GenericRecord staff(SourceRow staff, SourceRow department) {
        return record(WarehouseTable.DIM_STAFF, null, staff.id(), staff.text("first_name"), staff.text("last_name"),
                department.text("department_name"), department.text("location"), staff.text("email_address"));
    }

    public static GenericRecord transaction(SourceRow transaction) {
        return record(WarehouseTable.DIM_TRANSACTION, transaction, transaction.id(),
                transaction.text("transaction_type"),
                transaction.integer("sales_order_id"), transaction.integer("purchase_order_id"));
    }

    /** A sales order version; the dates it references go to {@code dates}. */
    public static GenericRecord salesOrder(SourceRow order, Consumer<LocalDate> dates) {
        LocalDateTime created = order.timestamp("created_at");
        LocalDateTime lastUpdated = order.lastUpdated();
        LocalDate payment = order.date("agreed_payment_date");
        LocalDate delivery = order.date("agreed_delivery_date");
        referenced(dates, created.toLocalDate(), lastUpdated.toLocalDate(), payment, delivery);
        return record(WarehouseTable.FACT_SALES_ORDER, order, order.id(), created.toLocalDate(), created.toLocalTime(),
                lastUpdated.toLocalDate(), lastUpdated.toLocalTime(), order.integer("staff_id"),
                order.integer("counterparty_id"), order.integer("units_sold"), order.decimal("unit_price"),
                order.integer("currency_id"), order.integer("design_id"), payment, delivery,
                order.integer("agreed_delivery_location_id"));
    }

    /** A purchase order version; the dates it references go to {@code dates}. */
    public static GenericRecord purchaseOrder(SourceRow order, Consumer<LocalDate> dates) {
        LocalDateTime created = order.timestamp("created_at");
        LocalDateTime lastUpdated = order.lastUpdated();
        LocalDate delivery = order.date("agreed_delivery_date");
        LocalDate payment = order.date("agreed_payment_date");
        referenced(dates, created.toLocalDate(), lastUpdated.toLocalDate(), delivery, payment);
        return record(WarehouseTable.FACT_PURCHASE_ORDER, order, order.id(), created.toLocalDate(),
                created.toLocalTime(),
                lastUpdated.toLocalDate(), lastUpdated.toLocalTime(), order.integer("staff_id"),
                order.integer("counterparty_id"), order.text("item_code"), order.integer("item_quantity"),
                order.decimal("item_unit_price"), order.integer("currency_id"), delivery, payment,
                order.integer("agreed_delivery_location_id"));
    }

    /** A payment version; the dates it references go to {@code dates}. */
    public static GenericRecord payment(SourceRow payment, Consumer<LocalDate> dates) {
        LocalDateTime created = payment.timestamp("created_at");
        LocalDateTime lastUpdated = payment.lastUpdated();
        LocalDate paymentDate = payment.date("payment_date");
        referenced(dates, created.toLocalDate(), lastUpdated.toLocalDate(), paymentDate);
        return record(WarehouseTable.FACT_PAYMENT, payment, payment.id(), created.toLocalDate(), created.toLocalTime(),
                lastUpdated.toLocalDate(), lastUpdated.toLocalTime(), payment.integer("transaction_id"),
                payment.integer("counterparty_id"), payment.decimal("payment_amount"), payment.integer("currency_id"),
                payment.integer("payment_type_id"), payment.bool("paid"), paymentDate);
    }

    /** A calendar day: ISO day of week (1 = Monday), English names, quarter 1 to 4. */
    public static GenericRecord date(LocalDate date) {
        return record(WarehouseTable.DIM_DATE, null, date, date.getYear(), date.getMonthValue(), date.getDayOfMonth(),
                date.getDayOfWeek().getValue(), date.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH),
                date.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH), (date.getMonthValue() - 1) / 3 + 1);
    }

    private static void referenced(Consumer<LocalDate> dates, LocalDate... referenced) {
        for (LocalDate date : referenced) {
            dates.accept(date);
        }
    }

    /**
     * Builds a record of a table from the values of its own columns in column order, in their
     * Avro representation, then the columns an operator added carried from the source row
     * ({@link AddedColumns}; {@code source} is {@code null} for a table that takes none).
     *
     * @throws InvalidSourceDataException when a carried value is not one of its warehouse
     *         column's type: the object is quarantined, the value is not rounded
     */
    private static GenericRecord record(WarehouseTable table, SourceRow source, Object... values) {
        List<WarehouseColumn> columns = table.columns();
        GenericData.Record record = new GenericData.Record(table.avroSchema());
        for (int index = 0; index < values.length; index++) {
            Object value = values[index];
            WarehouseColumn column = columns.get(index);
            if (value == null && !column.nullable()) {
                throw new IllegalArgumentException(table.tableName() + "." + column.name() + " is NOT NULL");
            }
            record.put(index, value == null ? null : column.type().toAvro(value));
        }
        int index = values.length;
        for (AddedColumn added : table.addedColumns()) {
            String text = source.lakeText(added.column());
            try {
                record.put(index++, text == null ? null : added.type().toAvro(added.type().fromLakeText(text)));
            } catch (IllegalArgumentException e) {
                throw new InvalidSourceDataException(source.table(), 0, added.column(), "the row with key "
                        + source.id() + ": " + e.getMessage() + ", the type " + AddedColumns.SETTING + " gives "
                        + table.tableName() + "." + added.column(), e);
            }
        }
        return record;
    }
}
