{#- The model's key is unique: no two rows share all `columns`. DuckDB enforces no key on the
    month tables (it keeps a key's index in memory and cannot spill it: a national month would
    not fit the memory cap), so this is where a repeated key fails the build there. -#}
{% test unique_key(model, columns) %}
SELECT {{ columns | join(', ') }}, COUNT(*) AS rows_with_key
FROM {{ model }}
GROUP BY {{ columns | join(', ') }}
HAVING COUNT(*) > 1
{% endtest %}
