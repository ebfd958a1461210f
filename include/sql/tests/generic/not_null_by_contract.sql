{#- The model's not_null constraints hold on a view too. dbt enforces a contract's constraints
    on a table only: on a view it ignores them (with a warning), and fct_participant_month is a
    view over the staged lake partitions on DuckDB (core/fct_participant_month.sql says why).
    There every column whose constraints say not_null is checked here, one column per SELECT:
    a failing row is reported once per column it leaves empty, under `null_column`. One filter
    per SELECT, not one OR over all the columns, because DuckDB pushes a single column's
    IS NULL into the Parquet scan and skips every row group whose statistics hold no NULL:
    on a sound month the test reads next to nothing, where the OR read every column of every
    row (a province month, beside the build's other nodes: 1.5-2.7 s before, 0.3-0.4 s after,
    benchmarks/load_breakdown.py --warm-dbt); on a table (PostgreSQL's build) the table
    enforces them and this test reads nothing.
    The columns are read from the model's YAML, so a constraint is declared once. -#}
{% test not_null_by_contract(model) %}
{%- set node = graph.nodes.get('model.ucj_warehouse.' ~ model.identifier) if execute else none %}
{%- set columns = [] %}
{%- if node is not none and node.config.materialized == 'view' %}
  {%- for name, column in node.columns.items() %}
    {%- if column.constraints | selectattr('type', 'equalto', 'not_null') | list %}
      {%- do columns.append(name) %}
    {%- endif %}
  {%- endfor %}
{%- endif %}
{%- if columns %}
{%- for name in columns %}
SELECT '{{ name }}' AS null_column, * FROM {{ model }} WHERE {{ name }} IS NULL
{%- if not loop.last %}
UNION ALL
{%- endif %}
{%- endfor %}
{%- else %}
SELECT 1 AS nothing_to_check WHERE 1 = 0
{%- endif %}
{% endtest %}
