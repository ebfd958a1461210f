{%- if execute %}{% do run_query('SELECT 1') %}{% endif %}
SELECT CAST(1 AS INTEGER) AS id, 'a' AS code
