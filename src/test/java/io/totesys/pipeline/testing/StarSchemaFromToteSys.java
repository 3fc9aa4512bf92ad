package io.totesys.pipeline.testing;

import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The star schema computed straight from ToteSys with SQL, facts as their current state:
 * what the warehouse must hold once every change has gone through the pipeline.
 */
public final class StarSchemaFromToteSys {

    /** The fact columns, each computed from a version of its source row. */
    private static final Map<WarehouseTable, String> FACT_COLUMNS = Map.of(
            WarehouseTable.FACT_SALES_ORDER, "sales_order_id, created_at::date, created_at::time(3), "
                    + "last_updated::date, last_updated::time(3), staff_id, counterparty_id, units_sold, unit_price, "
                    + "currency_id, design_id, agreed_payment_date::date, agreed_delivery_date::date, "
                    + "agreed_delivery_location_id",
            WarehouseTable.FACT_PURCHASE_ORDER, "purchase_order_id, created_at::date, "
                    + "created_at::time(3), last_updated::date, last_updated::time(3), staff_id, counterparty_id, "
                    + "item_code, item_quantity, item_unit_price, currency_id, agreed_delivery_date::date, "
                    + "agreed_payment_date::date, agreed_delivery_location_id",
            WarehouseTable.FACT_PAYMENT, "payment_id, created_at::date, created_at::time(3), "
                    + "last_updated::date, last_updated::time(3), transaction_id, counterparty_id, payment_amount, "
                    + "currency_id, payment_type_id, paid, payment_date::date");

    private static final Map<WarehouseTable, String> FROM_TOTESYS = Map.ofEntries(
            Map.entry(WarehouseTable.DIM_LOCATION, "SELECT address_id, address_line_1, address_line_2, district, city, "
                    + "postal_code, country, phone FROM address"),
            Map.entry(WarehouseTable.DIM_COUNTERPARTY, "SELECT c.counterparty_id, c.counterparty_legal_name, "
                    + "a.address_line_1, a.address_line_2, a.district, a.city, a.postal_code, a.country, a.phone "
                    + "FROM counterparty c JOIN address a ON a.address_id = c.legal_address_id"),
            Map.entry(WarehouseTable.DIM_CURRENCY, "SELECT currency_id, currency_code::text, CASE currency_code "
                    + "WHEN 'GBP' THEN 'Pound Sterling' WHEN 'USD' THEN 'US Dollar' WHEN 'EUR' THEN 'Euro' END "
                    + "FROM currency"),
            Map.entry(WarehouseTable.DIM_DESIGN, "SELECT design_id, design_name, file_location, file_name FROM design"),
            Map.entry(WarehouseTable.DIM_PAYMENT_TYPE, "SELECT payment_type_id, payment_type_name::text "
                    + "FROM payment_type"),
            Map.entry(WarehouseTable.DIM_STAFF, "SELECT s.staff_id, s.first_name, s.last_name, d.department_name, "
                    + "d.location, s.email_address FROM staff s JOIN department d USING (department_id)"),
            Map.entry(WarehouseTable.DIM_TRANSACTION, "SELECT transaction_id, transaction_type::text, sales_order_id, "
                    + "purchase_order_id FROM transaction"),
            Map.entry(WarehouseTable.FACT_SALES_ORDER, factProjection(WarehouseTable.FACT_SALES_ORDER, "sales_order")),
            Map.entry(WarehouseTable.FACT_PURCHASE_ORDER,
                    factProjection(WarehouseTable.FACT_PURCHASE_ORDER, "purchase_order")),
            Map.entry(WarehouseTable.FACT_PAYMENT, factProjection(WarehouseTable.FACT_PAYMENT, "payment")),
            Map.entry(WarehouseTable.DIM_DATE, """
                    WITH referenced AS (
                        SELECT created_at::date AS day FROM sales_order UNION SELECT last_updated::date FROM sales_order
                        UNION SELECT agreed_payment_date::date FROM sales_order
                        UNION SELECT agreed_delivery_date::date FROM sales_order
                        UNION SELECT created_at::date FROM purchase_order UNION SELECT last_updated::date FROM purchase_order
                        UNION SELECT agreed_payment_date::date FROM purchase_order
                        UNION SELECT agreed_delivery_date::date FROM purchase_order
                        UNION SELECT created_at::date FROM payment UNION SELECT last_updated::date FROM payment
                        UNION SELECT payment_date::date FROM payment)
                    """ + calendar("(SELECT min(day) FROM referenced)", "(SELECT max(day) FROM referenced)")));

    private StarSchemaFromToteSys() {
    }

    /** The calendar's rows from one day to another, as PostgreSQL computes them. */
    private static String calendar(String from, String to) {
        return """
                SELECT day::date, extract(year FROM day)::int, extract(month FROM day)::int,
                       extract(day FROM day)::int, extract(isodow FROM day)::int, trim(to_char(day, 'Day')),
                       trim(to_char(day, 'Month')), extract(quarter FROM day)::int
                  FROM generate_series(%s, %s, interval '1 day') AS day""".formatted(from, to);
    }

    /**
     * Whether the warehouse's {@code dim_date} is what it must be: a whole calendar, every day
     * between its first and its last, that covers every day ToteSys refers to. It may span more:
     * the history of changed or deleted rows may refer to days no current row does.
     */
    public static boolean calendarCoversToteSys(DataSource totesys, DataSource warehouse) {
        List<String> days = warehouseRows(warehouse, WarehouseTable.DIM_DATE);
        return days.equals(SqlRows.of(warehouse, calendar("(SELECT min(date_id) FROM dim_date)",
                "(SELECT max(date_id) FROM dim_date)"))) && days.containsAll(rows(totesys, WarehouseTable.DIM_DATE));
    }

    /**
     * The query that projects versions of a fact's source rows onto the fact's columns: from
     * {@code relation}, anything with the source table's columns (the table itself, a copy of a
     * lake object, versions from the audit trail).
     */
    public static String factProjection(WarehouseTable fact, String relation) {
        return "SELECT " + FACT_COLUMNS.get(fact) + " FROM " + relation;
    }

    /** A warehouse table's rows as ToteSys says they must be, rendered by PostgreSQL and sorted. */
    public static List<String> rows(DataSource totesys, WarehouseTable table) {
        return SqlRows.of(totesys, FROM_TOTESYS.get(table));
    }

    /**
     * A warehouse table's rows as the warehouse holds them, comparable with {@link #rows}:
     * its {@code *_current} view, facts as their current state and dimensions as the members
     * ToteSys still has ({@code dim_date} whole).
     */
    public static List<String> warehouseRows(DataSource warehouse, WarehouseTable table) {
        String relation = table == WarehouseTable.DIM_DATE ? table.tableName() : table.tableName() + "_current";
        return SqlRows.of(warehouse, "SELECT " + String.join(", ", table.columnNames()) + " FROM " + relation);
    }
}
