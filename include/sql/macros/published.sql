{#- The published warehouse, which the private build reads and the loader then replaces
    rows of (dbt_project.yml). On DuckDB it is the file attached as `wh` (read-only); on
    PostgreSQL the same database as the build schema. -#}

{% macro published_relation(schema, name) -%}
  {%- if target.type == 'duckdb' -%}
    {%- set rel = adapter.get_relation(database='wh', schema=schema, identifier=name) -%}
  {%- else -%}
    {%- set rel = adapter.get_relation(database=target.database, schema=schema, identifier=name) -%}
  {%- endif -%}
  {{ return(rel) }}
{%- endmacro %}

{#- A model's rows as the warehouse will hold them after this run: the published rows outside
    the run's scope (`key` not in `replaced`), with this build's rows of the model. Column by
    column from the model's contract, so a warehouse from an earlier version that lacks a
    column reads NULL for it. `replaced` = none: published rows of the keys the build holds. -#}
{% macro overlay(name, key, replaced=none) -%}
  {%- set built = ref(name) -%}
  {%- set node = graph.nodes.get('model.ucj_warehouse.' ~ name) if execute else none -%}
  {%- set rel = published_relation(node.config.meta.publish.schema, name) if execute else none -%}
  {%- if not execute or rel is none -%}
    (SELECT * FROM {{ built }})
  {%- else -%}
    {%- set have = adapter.get_columns_in_relation(rel) | map(attribute='name') | map('lower') | list -%}
    (SELECT {% for col, c in node.columns.items() -%}
        {%- if col | lower in have %}{{ adapter.quote(col) }}{% else %}CAST(NULL AS {{ c.data_type }}) AS {{ adapter.quote(col) }}{% endif %}{% if not loop.last %}, {% endif %}
     {%- endfor %}
     FROM {{ rel }}
     WHERE {% if replaced is none -%}
       {{ key }} NOT IN (SELECT {{ key }} FROM {{ built }})
     {%- else -%}
       NOT ({{ in_list(key, replaced) }})
     {%- endif %}
     UNION ALL
     SELECT {% for col in node.columns.keys() %}{{ adapter.quote(col) }}{% if not loop.last %}, {% endif %}{% endfor %}
     FROM {{ built }})
  {%- endif -%}
{%- endmacro %}
