{#- The run's scope, rendered into SQL. Every value was checked by ucj.warehouse.scope
    (months YYYY-MM, years, numbers) before dbt saw it; quoting here is still that of SQL
    string literals, so no value can end its literal. -#}

{% macro literal(value) -%}
  {%- if value is number -%}{{ value }}
  {%- else -%}'{{ value | string | replace("'", "''") }}'
  {%- endif -%}
{%- endmacro %}

{#- `column IN (values)`, or FALSE for no value (IN () is no SQL). -#}
{% macro in_list(column, values) -%}
  {%- if values | length == 0 -%}FALSE
  {%- else -%}{{ column }} IN ({% for v in values %}{{ literal(v) }}{% if not loop.last %}, {% endif %}{% endfor %})
  {%- endif -%}
{%- endmacro %}

{#- A threshold from the loader (ucj.compliance / ucj.village); no default here. -#}
{% macro threshold(name) -%}
  CAST({{ scope(name) }} AS DOUBLE PRECISION)
{%- endmacro %}

{#- One query per month of the run's scope, stacked: `{% call(m) each(scope('months')) %}
    ... {{ literal(m.periode) }} ... {% endcall %}`. A month's query is the one the warehouse
    ran per month before it was a dbt project, so each month reads exactly what it read then;
    each item holds the month's periode, tahun, bulan, prev_periode, month_start and
    next_month_start (ucj.warehouse.scope). With no month in scope, one query over a month that
    cannot exist, returning no row, so the model still has its columns. -#}
{% macro each(items, nothing=none) -%}
  {%- set rows = items if items | length > 0 else [nothing or {'periode': '0000-01', 'tahun': 0, 'bulan': 1,
      'prev_periode': '0000-00', 'month_start': '0001-01-01', 'next_month_start': '0001-02-01'}] -%}
  {%- for item in rows %}
  SELECT * FROM (
  {{ caller(item) }}
  ) AS scope_{{ loop.index }}{% if items | length == 0 %} WHERE FALSE{% endif %}
  {% if not loop.last %}UNION ALL{% endif %}
  {%- endfor %}
{%- endmacro %}

{#- A list of values as a one-column relation (no row for an empty list). -#}
{% macro values_of(values, column, type) -%}
  {%- if values | length == 0 -%}
  SELECT CAST(NULL AS {{ type }}) AS {{ column }} WHERE FALSE
  {%- else -%}
  {%- for v in values %}SELECT CAST({{ literal(v) }} AS {{ type }}) AS {{ column }}{% if not loop.last %} UNION ALL {% endif %}{% endfor -%}
  {%- endif -%}
{%- endmacro %}

{% macro date_literal(value) -%}CAST({{ literal(value) }} AS DATE){%- endmacro %}

{#- Years as items of `each` ({'tahun': y}). -#}
{% macro years_of(years) -%}
  {%- set items = [] -%}
  {%- for y in years %}{% do items.append({'tahun': y | int}) %}{% endfor -%}
  {{ return(items) }}
{%- endmacro %}

{#- The run's scope (ucj.warehouse.scope): the loader stages it as one JSON value in the
    build (lake_scope) rather than passing dbt vars, which would make dbt re-parse the whole
    project on every run (~10 s). While parsing (no database yet) a scope with nothing in it. -#}
{% macro scope(name) -%}
  {%- set empty = {'periodes': [], 'periodes_baru': [], 'months': [], 'tahun_apbdes': [],
                   'tahun_dana_desa': [],
                   'ref_tahun': {'tenaga_kerja_desa': [], 'non_asn': [], 'umk': []}} -%}
  {%- set relation = source('lake', 'lake_scope') -%}
  {%- if not execute -%}
    {{ return(empty.get(name, 0)) }}
  {%- endif -%}
  {%- set rows = run_query('SELECT scope FROM ' ~ relation) -%}
  {%- set found = fromjson(rows.columns[0].values()[0]) -%}
  {%- if name not in found -%}
    {{ exceptions.raise_compiler_error('the scope staged by the loader has no ' ~ name) }}
  {%- endif -%}
  {{ return(found[name]) }}
{%- endmacro %}

{#- A model's contract columns (its YAML), in order, as a column list ... -#}
{% macro contract_columns(name) -%}
  {%- if not execute %}*{% else -%}
  {{ graph.nodes['model.ucj_warehouse.' ~ name].columns.keys() | join(', ') }}
  {%- endif -%}
{%- endmacro %}

{#- ... and each cast to its contract type: a model whose query computes its columns in the
    contract's order selects them typed as the contract says. -#}
{% macro contract_casts(name) -%}
  {%- if not execute %}*{% else -%}
  {%- for col, c in graph.nodes['model.ucj_warehouse.' ~ name].columns.items() -%}
  CAST({{ col }} AS {{ c.data_type }}) AS {{ col }}{% if not loop.last %},
       {% endif %}
  {%- endfor -%}
  {%- endif -%}
{%- endmacro %}
