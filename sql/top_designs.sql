-- The ten designs that sold the most units, with their revenue in each currency.
SELECT g.design_id,
       g.design_name,
       sum(s.units_sold)                                                   AS units_sold,
       sum(s.units_sold * s.unit_price) FILTER (WHERE c.currency_code = 'GBP') AS revenue_gbp,
       sum(s.units_sold * s.unit_price) FILTER (WHERE c.currency_code = 'USD') AS revenue_usd,
       sum(s.units_sold * s.unit_price) FILTER (WHERE c.currency_code = 'EUR') AS revenue_eur
  FROM fact_sales_order_current s
  JOIN dim_design g ON g.design_id = s.design_id
  JOIN dim_currency c ON c.currency_id = s.currency_id
 GROUP BY g.design_id, g.design_name
 ORDER BY units_sold DESC, g.design_id
 LIMIT 10;
