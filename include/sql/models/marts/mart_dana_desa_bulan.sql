-- The Dana Desa indicator of marts/mart_dana_desa.sql as it stood at the end of each loaded
-- month (periode): the fiscal year's budget beside its participants of the months up to and
-- including that month (periode_akhir = periode). One query per month of the run's scope.
-- The village alerts of a month read it (ucj.warehouse.village): the alerts of a month are
-- those of the year as known then, whether its months were loaded one a run or all at once.
{% call(m) each(scope('months')) %}
SELECT CAST({{ literal(m.periode) }} AS VARCHAR) AS periode,
       {{ contract_casts('mart_dana_desa') }}
FROM (
{{ dana_desa_indicator(m.tahun, m.periode) }}
) AS result ({{ contract_columns('mart_dana_desa') }})
{% endcall %}
