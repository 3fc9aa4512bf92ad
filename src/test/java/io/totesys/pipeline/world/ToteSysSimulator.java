package io.totesys.pipeline.world;

import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import javax.sql.DataSource;

/**
 * A simulated ToteSys: the sales database of a tote bag company, as the pipeline's users
 * run it. It seeds a dataset with the shapes, value ranges and quirks of the real one
 * (commas and apostrophes in names, NULL address parts, the department in "Leds", rows
 * sharing a {@code created_at}, payments that later turn paid) at a scale factor, then
 * keeps changing it as the business would. Everything it does follows from its seed.
 * <p>
 * Scale 1 matches the real database of November 2024: 11,187 sales orders, 4,649
 * purchase orders, 15,836 transactions and payments, 473 designs.
 */
public final class ToteSysSimulator {

    /** The ids a new order created. */
    public record NewOrder(int orderId, int transactionId, int paymentId) {
    }

    /** What one simulated change did, for the log. */
    public record Change(String description) {
    }

    private static final int SALES_ORDERS_AT_SCALE_1 = 11_187;
    private static final int PURCHASE_ORDERS_AT_SCALE_1 = 4_649;
    private static final int DESIGNS_AT_SCALE_1 = 473;
    private static final int ADDRESSES = 30;
    private static final int COUNTERPARTIES = 20;
    private static final int STAFF = 20;
    private static final LocalDateTime FIRST_DAY = LocalDateTime.of(2022, 11, 3, 14, 20, 49, 962_000_000);
    private static final Duration HISTORY = Duration.ofDays(743);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final DataSource totesys;
    private final SplittableRandom random;
    private final FakeValues values;

    public ToteSysSimulator(DataSource totesys, long seed) {
        this.totesys = totesys;
        this.random = new SplittableRandom(seed);
        this.values = new FakeValues(random);
    }

    /** The number of sales orders seeded at a scale. */
    public static int salesOrders(double scale) {
        return Math.max(1, (int) Math.round(SALES_ORDERS_AT_SCALE_1 * scale));
    }

    /** The number of purchase orders seeded at a scale. */
    public static int purchaseOrders(double scale) {
        return Math.max(1, (int) Math.round(PURCHASE_ORDERS_AT_SCALE_1 * scale));
    }

    /** Fills an empty ToteSys with a dataset of the given scale, all of it dated in the past. */
    public void seed(double scale) {
        int designs = Math.max(1, (int) Math.round(DESIGNS_AT_SCALE_1 * scale));
        int salesOrders = salesOrders(scale);
        int purchaseOrders = purchaseOrders(scale);
        try (Connection connection = totesys.getConnection()) {
            connection.setAutoCommit(false);
            seedReferenceData(connection, designs);
            seedOrders(connection, designs, salesOrders, purchaseOrders);
            try (Statement statement = connection.createStatement()) {
                for (String table : List.of("address", "counterparty", "currency", "department", "design",
                        "payment_type", "staff", "sales_order", "purchase_order", "transaction", "payment")) {
                    statement.execute("SELECT setval(pg_get_serial_sequence('" + table + "', '" + table
                            + "_id'), (SELECT max(" + table + "_id) FROM " + table + "))");
                }
            }
            connection.commit();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("seeding ToteSys failed: " + e.getMessage(), e);
        }
    }

    private void seedReferenceData(Connection connection, int designs) throws SQLException, IOException {
        String created = TIMESTAMP.format(FIRST_DAY);
        ToteSysCopy.copy(connection, "address", rows -> {
            for (int id = 1; id <= ADDRESSES; id++) {
                rows.add(ToteSysCopy.row(id, (1 + random.nextInt(99_999)) + " " + values.pick(FakeValues.STREETS),
                        random.nextInt(5) == 0 ? "Apt. " + (1 + random.nextInt(999)) : null,
                        random.nextBoolean() ? values.pick(FakeValues.DISTRICTS) : null, values.pick(FakeValues.CITIES),
                        String.format(Locale.ROOT, "%05d", random.nextInt(100_000)), values.pick(FakeValues.COUNTRIES),
                        values.phone(),
                        created, created));
            }
        });
        ToteSysCopy.copy(connection, "counterparty", rows -> {
            for (int id = 1; id <= COUNTERPARTIES; id++) {
                rows.add(ToteSysCopy.row(id, values.companyName(), 1 + random.nextInt(ADDRESSES), values.person(),
                        random.nextInt(4) == 0 ? "Mrs. " + values.person() : values.person(), created, created));
            }
        });
        ToteSysCopy.copy(connection, "currency", rows -> {
            for (int id = 1; id <= FakeValues.CURRENCIES.length; id++) {
                rows.add(ToteSysCopy.row(id, FakeValues.CURRENCIES[id - 1], created, created));
            }
        });
        ToteSysCopy.copy(connection, "department", rows -> {
            for (int id = 1; id <= FakeValues.DEPARTMENTS.length; id++) {
                String[] department = FakeValues.DEPARTMENTS[id - 1];
                rows.add(ToteSysCopy.row(id, department[0], department[1], department[2], created, created));
            }
        });
        ToteSysCopy.copy(connection, "design", rows -> {
            for (int id = 1; id <= designs; id++) {
                String when = TIMESTAMP.format(pastInstant(id, designs));
                String material = values.pick(FakeValues.MATERIALS);
                rows.add(ToteSysCopy.row(id, when, material, values.pick(FakeValues.FOLDERS), values.fileName(material),
                        when));
            }
        });
        ToteSysCopy.copy(connection, "payment_type", rows -> {
            for (int id = 1; id <= FakeValues.PAYMENT_TYPES.length; id++) {
                rows.add(ToteSysCopy.row(id, FakeValues.PAYMENT_TYPES[id - 1], created, created));
            }
        });
        ToteSysCopy.copy(connection, "staff", rows -> {
            for (int id = 1; id <= STAFF; id++) {
                String first = FakeValues.FIRST_NAMES[id - 1];
                String last = FakeValues.LAST_NAMES[id - 1];
                rows.add(ToteSysCopy.row(id, first, last, 1 + random.nextInt(FakeValues.DEPARTMENTS.length),
                        values.email(first, last), created,
                        created));
            }
        });
    }

    private void seedOrders(Connection connection, int designs, int salesOrders, int purchaseOrders)
            throws SQLException, IOException {
        int orders = salesOrders + purchaseOrders;
        // Orders interleave in time; transaction and payment ids follow creation order.
        boolean[] isSale = new boolean[orders];
        int salesLeft = salesOrders;
        for (int index = 0; index < orders; index++) {
            isSale[index] = random.nextInt(orders - index) < salesLeft;
            if (isSale[index]) {
                salesLeft--;
            }
        }
        // Four tables fill in one pass; each is spooled to a file, then copied in foreign key order.
        try (ToteSysCopy.SpooledRows sales = new ToteSysCopy.SpooledRows("sales_order");
                ToteSysCopy.SpooledRows purchases = new ToteSysCopy.SpooledRows("purchase_order");
                ToteSysCopy.SpooledRows transactions = new ToteSysCopy.SpooledRows("transaction");
                ToteSysCopy.SpooledRows payments = new ToteSysCopy.SpooledRows("payment")) {
            int salesOrderId = 0;
            int purchaseOrderId = 0;
            for (int index = 0; index < orders; index++) {
                int transactionId = index + 1;
                LocalDateTime createdAt = pastInstant(index + 1, orders);
                String created = TIMESTAMP.format(createdAt);
                SimulatedOrder order = isSale[index] ? salesOrder(designs) : purchaseOrder();
                if (isSale[index]) {
                    salesOrderId++;
                    sales.add(order.salesRow(salesOrderId, created));
                    transactions.add(ToteSysCopy.row(transactionId, "SALE", salesOrderId, null, created, created));
                } else {
                    purchaseOrderId++;
                    purchases.add(order.purchaseRow(purchaseOrderId, created));
                    transactions
                            .add(ToteSysCopy.row(transactionId, "PURCHASE", null, purchaseOrderId, created, created));
                }
                boolean paid = random.nextInt(100) < 61;
                String lastUpdated = paid
                        ? TIMESTAMP.format(
                                createdAt.plusDays(1 + random.nextInt(5)).plusNanos(random.nextInt(1000) * 1_000_000L))
                        : created;
                payments.add(order.paymentRow(transactionId, created, lastUpdated, paid, createdAt.toLocalDate()));
            }
            for (ToteSysCopy.SpooledRows table : List.of(sales, purchases, transactions, payments)) {
                table.copyInto(connection);
            }
        }
    }

    /** Inserts a new sales order with its transaction and its (unpaid) payment, in one transaction. */
    public NewOrder newSalesOrder() {
        return newOrder(true);
    }

    /** Inserts a new purchase order with its transaction and its (unpaid) payment, in one transaction. */
    public NewOrder newPurchaseOrder() {
        return newOrder(false);
    }

    /**
     * Inserts a new sales order with its transaction and its payment on a connection the caller
     * holds, in its transaction, which the caller commits or rolls back.
     */
    public NewOrder newSalesOrder(Connection connection) {
        try {
            return insertOrder(connection, true);
        } catch (SQLException e) {
            throw new IllegalStateException("inserting an order into ToteSys failed: " + e.getMessage(), e);
        }
    }

    private NewOrder newOrder(boolean sale) {
        try (Connection connection = totesys.getConnection()) {
            connection.setAutoCommit(false);
            NewOrder order = insertOrder(connection, sale);
            connection.commit();
            return order;
        } catch (SQLException e) {
            throw new IllegalStateException("inserting an order into ToteSys failed: " + e.getMessage(), e);
        }
    }

    private NewOrder insertOrder(Connection connection, boolean sale) throws SQLException {
        int designs = count(connection, "design");
        SimulatedOrder order = sale ? salesOrder(designs) : purchaseOrder();
        LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
        int orderId = sale ? order.insertSales(connection) : order.insertPurchase(connection);
        int transactionId = insertReturningId(connection, """
                INSERT INTO transaction (transaction_type, sales_order_id, purchase_order_id)
                VALUES (?::transaction_type, ?, ?) RETURNING transaction_id""",
                sale ? "SALE" : "PURCHASE", sale ? orderId : null, sale ? null : orderId);
        String[] payment = order.paymentRow(transactionId, null, null, false, today);
        int paymentId = insertReturningId(connection, """
                INSERT INTO payment (transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id,
                                     paid, payment_date, company_ac_number, counterparty_ac_number)
                VALUES (?, ?, ?::numeric, ?, ?, false, ?, ?, ?) RETURNING payment_id""",
                transactionId, Integer.parseInt(payment[4]), payment[5], Integer.parseInt(payment[6]),
                Integer.parseInt(payment[7]), payment[9], Integer.parseInt(payment[10]),
                Integer.parseInt(payment[11]));
        return new NewOrder(orderId, transactionId, paymentId);
    }

    /** Marks a payment as paid, moving its {@code last_updated} on, as ToteSys does. */
    public void markPaid(int paymentId) {
        update("UPDATE payment SET paid = true, last_updated = now() WHERE payment_id = ?", paymentId);
    }

    /** The ids of some payments still unpaid, lowest first. */
    public List<Integer> unpaidPayments(int limit) {
        List<Integer> ids = new ArrayList<>();
        try (Connection connection = totesys.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT payment_id FROM payment WHERE NOT paid ORDER BY payment_id LIMIT ?")) {
            statement.setInt(1, limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getInt(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException("reading unpaid payments failed: " + e.getMessage(), e);
        }
    }

    /** Makes one change as the business would, chosen at random, and says what it was. */
    public Change change() {
        int dice = random.nextInt(100);
        if (dice < 45) {
            NewOrder order = newSalesOrder();
            return new Change("new sales order " + order.orderId() + " with transaction " + order.transactionId()
                    + " and payment " + order.paymentId());
        }
        if (dice < 70) {
            List<Integer> unpaid = unpaidPayments(50);
            if (!unpaid.isEmpty()) {
                int paymentId = unpaid.get(random.nextInt(unpaid.size()));
                markPaid(paymentId);
                return new Change("payment " + paymentId + " paid");
            }
        }
        if (dice < 90) {
            NewOrder order = newPurchaseOrder();
            return new Change("new purchase order " + order.orderId() + " with transaction "
                    + order.transactionId() + " and payment " + order.paymentId());
        }
        return editReferenceRow();
    }

    private Change editReferenceRow() {
        switch (random.nextInt(4)) {
            case 0 -> {
                int staffId = 1 + random.nextInt(STAFF);
                String last = values.pick(FakeValues.LAST_NAMES);
                update("UPDATE staff SET last_name = ?, email_address = lower(first_name) || '.' || lower(?) "
                        + "|| '@terrifictotes.com', last_updated = now() WHERE staff_id = ?", last,
                        last.replace("'", ""), staffId);
                return new Change("staff " + staffId + " renamed to " + last);
            }
            case 1 -> {
                int departmentId = 1 + random.nextInt(FakeValues.DEPARTMENTS.length);
                String manager = values.person();
                update("UPDATE department SET manager = ?, last_updated = now() WHERE department_id = ?", manager,
                        departmentId);
                return new Change("department " + departmentId + " now managed by " + manager);
            }
            case 2 -> {
                int addressId = 1 + random.nextInt(ADDRESSES);
                update("UPDATE address SET phone = ?, last_updated = now() WHERE address_id = ?", values.phone(),
                        addressId);
                return new Change("address " + addressId + " has a new phone number");
            }
            default -> {
                int designId = 1 + random.nextInt(Math.max(1, countDesigns()));
                String material = values.pick(FakeValues.MATERIALS);
                update("UPDATE design SET design_name = ?, file_name = ?, last_updated = now() WHERE design_id = ?",
                        material, values.fileName(material), designId);
                return new Change("design " + designId + " renamed to " + material);
            }
        }
    }

    private int countDesigns() {
        try (Connection connection = totesys.getConnection()) {
            return count(connection, "design");
        } catch (SQLException e) {
            throw new IllegalStateException("counting designs failed: " + e.getMessage(), e);
        }
    }

    private SimulatedOrder salesOrder(int designs) {
        return new SimulatedOrder(1 + random.nextInt(designs), 1 + random.nextInt(STAFF),
                1 + random.nextInt(COUNTERPARTIES),
                1_000 + random.nextInt(99_000), BigDecimal.valueOf(200 + random.nextInt(201), 2),
                1 + random.nextInt(FakeValues.CURRENCIES.length), null, random.nextInt(8), random.nextInt(8),
                1 + random.nextInt(ADDRESSES), random.nextInt(6), values.account(), values.account());
    }

    private SimulatedOrder purchaseOrder() {
        return new SimulatedOrder(0, 1 + random.nextInt(STAFF), 1 + random.nextInt(COUNTERPARTIES),
                1 + random.nextInt(999), BigDecimal.valueOf(300 + random.nextInt(99_700), 2),
                1 + random.nextInt(FakeValues.CURRENCIES.length), values.itemCode(), random.nextInt(8),
                random.nextInt(8),
                1 + random.nextInt(ADDRESSES), random.nextInt(6), values.account(), values.account());
    }

    /** An instant in the seeded history, rising with the index; neighbours may share a millisecond. */
    private LocalDateTime pastInstant(int index, int count) {
        long millis = HISTORY.toMillis() * index / Math.max(1, count);
        return FIRST_DAY.plusNanos(millis * 1_000_000L);
    }

    private void update(String sql, Object... parameters) {
        try (Connection connection = totesys.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("changing ToteSys failed: " + e.getMessage(), e);
        }
    }

    static int insertReturningId(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            try (ResultSet key = statement.executeQuery()) {
                key.next();
                return key.getInt(1);
            }
        }
    }

    private static int count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int index = 0; index < parameters.length; index++) {
            statement.setObject(index + 1, parameters[index]);
        }
    }
}
