{#- The model's key is unique: no two rows share all `columns` (DuckDB enforces no key on the
    month tables, core/05_keys says why; this is where a repeated key fails the build). -#}
{% test unique_key(model, columns) %}
SELECT {{ columns | join(', ') }}, COUNT(*) AS rows_with_key
FROM {{ model }}
GROUP BY {{ columns | join(', ') }}
HAVING COUNT(*) > 1
{% endtest %}
