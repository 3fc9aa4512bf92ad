-- Sales by the location of the selling staff member's department (NULL: no location).
SELECT coalesce(st.location, '(none)') AS staff_location,
       count(*)                        AS orders,
       sum(s.units_sold)               AS units_sold,
       count(DISTINCT s.sales_staff_id) AS staff
  FROM fact_sales_order_current s
  JOIN dim_staff st ON st.staff_id = s.sales_staff_id
 GROUP BY st.location
 ORDER BY units_sold DESC;
