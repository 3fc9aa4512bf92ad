package io.totesys.pipeline.world;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;

/** An order's business values, before it is written as a sales or a purchase order. */
record SimulatedOrder(int designId, int staffId, int counterpartyId, int quantity, BigDecimal unitPrice,
        int currencyId, String itemCode, int deliveryDays, int paymentDays, int locationId, int paymentDateDays,
        int companyAccount, int counterpartyAccount) {

    String[] salesRow(int id, String created) {
        LocalDate day = LocalDate.parse(created.substring(0, 10));
        return ToteSysCopy.row(id, created, created, designId, staffId, counterpartyId, quantity,
                unitPrice.toPlainString(),
                currencyId, day.plusDays(deliveryDays).toString(), day.plusDays(paymentDays).toString(),
                locationId);
    }

    String[] purchaseRow(int id, String created) {
        LocalDate day = LocalDate.parse(created.substring(0, 10));
        return ToteSysCopy.row(id, created, created, staffId, counterpartyId, itemCode, quantity,
                unitPrice.toPlainString(),
                currencyId, day.plusDays(deliveryDays).toString(), day.plusDays(paymentDays).toString(),
                locationId);
    }

    String[] paymentRow(int transactionId, String created, String lastUpdated, boolean paid, LocalDate day) {
        BigDecimal amount = unitPrice.multiply(BigDecimal.valueOf(quantity)).setScale(2, RoundingMode.HALF_UP);
        int paymentTypeId = itemCode == null ? 1 : 3;
        return ToteSysCopy.row(transactionId, created, lastUpdated, transactionId, counterpartyId,
                amount.toPlainString(),
                currencyId, paymentTypeId, paid, day.plusDays(paymentDateDays).toString(), companyAccount,
                counterpartyAccount);
    }

    int insertSales(Connection connection) throws SQLException {
        LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
        return ToteSysSimulator.insertReturningId(connection, """
                INSERT INTO sales_order (design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
                                         agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING sales_order_id""",
                designId, staffId, counterpartyId, quantity, unitPrice, currencyId,
                today.plusDays(deliveryDays).toString(), today.plusDays(paymentDays).toString(), locationId);
    }

    int insertPurchase(Connection connection) throws SQLException {
        LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
        return ToteSysSimulator.insertReturningId(connection, """
                INSERT INTO purchase_order (staff_id, counterparty_id, item_code, item_quantity, item_unit_price,
                                            currency_id, agreed_delivery_date, agreed_payment_date,
                                            agreed_delivery_location_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING purchase_order_id""",
                staffId, counterpartyId, itemCode, quantity, unitPrice, currencyId,
                today.plusDays(deliveryDays).toString(), today.plusDays(paymentDays).toString(), locationId);
    }
}
