{#- Every model of a run in the run's private build schema: what the BI reader sees is the
    published copy, made by the loader in one transaction (dbt_project.yml). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ target.schema }}
{%- endmacro %}
