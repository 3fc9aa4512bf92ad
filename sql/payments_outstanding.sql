-- Payments not yet paid, per counterparty and currency, with the oldest payment date due.
SELECT cp.counterparty_legal_name,
       c.currency_code,
       count(*)              AS payments,
       sum(p.payment_amount) AS amount_outstanding,
       min(p.payment_date)   AS oldest_due
  FROM fact_payment_current p
  JOIN dim_counterparty cp ON cp.counterparty_id = p.counterparty_id
  JOIN dim_currency c ON c.currency_id = p.currency_id
 WHERE NOT p.paid
 GROUP BY cp.counterparty_legal_name, c.currency_code
 ORDER BY amount_outstanding DESC;
