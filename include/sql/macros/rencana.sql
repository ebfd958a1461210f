{#- The action plan (mart_rencana_aksi): a fraction of the scenario as an exact decimal, so
    that ceil(target x penduduk_bekerja) is the same on both backends and never one person off
    by a binary rounding (0.35 x 100 is 35.000000000000004 in DOUBLE PRECISION). The value was
    rounded to 8 decimals by ucj.rencana before dbt saw it. -#}
{% macro exact(name) -%}
  CAST({{ scope(name) }} AS DECIMAL(18, 8))
{%- endmacro %}

{#- Whole rupiah, half away from zero on both backends (PostgreSQL rounds a DOUBLE PRECISION
    half to even, a NUMERIC half away from zero, as DuckDB does both). -#}
{% macro whole_rupiah(expr) -%}
  CAST(ROUND(CAST({{ expr }} AS DECIMAL(24, 6))) AS BIGINT)
{%- endmacro %}
