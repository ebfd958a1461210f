{#- The model's key is unique: no two rows share all `columns`. DuckDB enforces no key on the
    month tables (it keeps a key's index in memory and cannot spill it: a national month would
    not fit the memory cap), so this is where a repeated key fails the build there.
    On DuckDB the rows are first grouped by one 64-bit hash of the key instead of its strings
    (a province month, the nodes run one at a time, UCJ_DBT_THREADS=1
    benchmarks/load_breakdown.py: participants 1.1 s instead of 1.4 s, persons 0.8 s instead
    of 1.1 s, both on the build's critical path); the key itself is then grouped among the
    rows whose hash repeats only: none when the key holds, and a hash collision costs only
    that second look, never a wrong answer. -#}
{% test unique_key(model, columns) %}
{%- set key = columns | join(', ') %}
{%- set by_hash = target.type == 'duckdb' %}
{%- if by_hash %}
WITH repeated AS (
    SELECT h FROM (SELECT hash({{ key }}) AS h FROM {{ model }}) hashed
    GROUP BY h HAVING COUNT(*) > 1
)
{%- endif %}
SELECT {{ key }}, COUNT(*) AS rows_with_key
FROM {{ model }}
{%- if by_hash %}
WHERE hash({{ key }}) IN (SELECT h FROM repeated)
{%- endif %}
GROUP BY {{ key }}
HAVING COUNT(*) > 1
{% endtest %}
