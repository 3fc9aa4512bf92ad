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
            Map.entry(WarehouseTable.FACT_SALES_ORDER, "SELECT sales_order_id, created_at::date, created_at::time(3), "
                    + "last_updated::date, last_updated::time(3), staff_id, counterparty_id, units_sold, unit_price, "
                    + "currency_id, design_id, agreed_payment_date::date, agreed_delivery_date::date, "
                    + "agreed_delivery_location_id FROM sales_order"),
            Map.entry(WarehouseTable.FACT_PURCHASE_ORDER, "SELECT purchase_order_id, created_at::date, "
                    + "created_at::time(3), last_updated::date, last_updated::time(3), staff_id, counterparty_id, "
                    + "item_code, item_quantity, item_unit_price, currency_id, agreed_delivery_date::date, "
                    + "agreed_payment_date::date, agreed_delivery_location_id FROM purchase_order"),
            Map.entry(WarehouseTable.FACT_PAYMENT, "SELECT payment_id, created_at::date, created_at::time(3), "
                    + "last_updated::date, last_updated::time(3), transaction_id, counterparty_id, payment_amount, "
                    + "currency_id, payment_type_id, paid, payment_date::date FROM payment"),
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
                    SELECT day::date, extract(year FROM day)::int, extract(month FROM day)::int,
                           extract(day FROM day)::int, extract(isodow FROM day)::int, trim(to_char(day, 'Day')),
                           trim(to_char(day, 'Month')), extract(quarter FROM day)::int
                      FROM generate_series((SELECT min(day) FROM referenced), (SELECT max(day) FROM referenced),
                                           interval '1 day') AS day"""));

    private StarSchemaFromToteSys() {
    }

    /** A warehouse table's rows as ToteSys says they must be, rendered by PostgreSQL and sorted. */
    public static List<String> rows(DataSource totesys, WarehouseTable table) {
        return SqlRows.of(totesys, FROM_TOTESYS.get(table));
    }

    /** A warehouse table's rows as the warehouse holds them, facts as their current state, comparable with {@link #rows}. */
    public static List<String> warehouseRows(DataSource warehouse, WarehouseTable table) {
        String relation = table.isFact() ? table.tableName() + "_current" : table.tableName();
        return SqlRows.of(warehouse, "SELECT " + String.join(", ", table.columnNames()) + " FROM " + relation);
    }
}
