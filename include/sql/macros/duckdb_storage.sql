{#- DuckDB: a contract's table is created with the columns its model's
    meta.publish.duckdb_uncompressed names stored without compression, as the published table
    is (ucj.warehouse.publish; core/_core.yml says why). dbt renders the columns as
    "name type constraints"; this puts "USING COMPRESSION uncompressed" after the type of
    those named and leaves every other column, and any model with none named, as dbt-duckdb
    would. This project's own version of the dispatched macro: dbt looks here first. -#}
{% macro duckdb__get_table_columns_and_constraints() -%}
  {%- set publish = (model['config'].get('meta') or {}).get('publish') or {} -%}
  {%- set uncompressed = publish.get('duckdb_uncompressed') or [] -%}
  {%- if not uncompressed -%}
    {{ return(table_columns_and_constraints()) }}
  {%- endif -%}
  {%- set columns = model['columns'].values() | list -%}
  {%- set rendered = adapter.render_raw_columns_constraints(raw_columns=model['columns']) -%}
  {%- set model_constraints = adapter.render_raw_model_constraints(raw_constraints=model['constraints']) -%}
  {%- set out = [] -%}
  {%- for c in rendered -%}
    {%- set col = columns[loop.index0] -%}
    {%- set head = col['name'] ~ ' ' ~ col['data_type'] -%}
    {%- if col['name'] in uncompressed -%}
      {%- if not c.startswith(head) -%}
        {{ exceptions.raise_compiler_error("duckdb_uncompressed: cannot place the storage of " ~ head ~ " in " ~ c) }}
      {%- endif -%}
      {%- do out.append(head ~ ' USING COMPRESSION uncompressed' ~ c[head | length:]) -%}
    {%- else -%}
      {%- do out.append(c) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return('(' ~ (out + model_constraints) | join(', ') ~ ')') }}
{%- endmacro %}
