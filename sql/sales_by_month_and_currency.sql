-- Sales by month and currency: units sold and revenue of the current version of each
-- sales order, by the month it was agreed for delivery.
SELECT d.year,
       d.month,
       d.month_name,
       c.currency_code,
       count(*)                         AS orders,
       sum(s.units_sold)                AS units_sold,
       sum(s.units_sold * s.unit_price) AS revenue
  FROM fact_sales_order_current s
  JOIN dim_date d ON d.date_id = s.agreed_delivery_date
  JOIN dim_currency c ON c.currency_id = s.currency_id
 GROUP BY d.year, d.month, d.month_name, c.currency_code
 ORDER BY d.year, d.month, c.currency_code;
