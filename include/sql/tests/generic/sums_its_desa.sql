{#- The roll-ups of an area mart add up: each kecamatan row equals the sum of the desa rows
    of its kecamatan, the kabupaten row the sum of every desa row, per `period` (and `by`).
    Ratios are never averaged, so only the stored numerators, denominators and counts are
    compared (docs/warehouse.md, "Roll-ups over the same desa"):
    - `sums`: summed over every desa row (NULL when no desa has a value, as SQL's SUM);
    - `counts`: summed over the desa rows meeting `over` only, the desa of the roll-up's
      denominator (0 when none does; NULL when no desa row has a value at all).
    `desa_levels`: the tingkat of the rows summed. A roll-up row without desa, a kecamatan or
    kabupaten without its row, and a row of any other tingkat fail too. The mart's rows of a
    period are all in the build (a run rebuilds a month or a year whole), so the test sees
    every desa of each roll-up it checks. -#}
{% test sums_its_desa(model, period, sums, counts=[], over='TRUE', by=[], desa_levels=['desa']) %}
{%- set keys = [period] + by -%}
{%- set levels = desa_levels | map('string') | list -%}
{%- set measures = sums + counts -%}
WITH desa AS (
    SELECT * FROM {{ model }}
    WHERE tingkat IN ({% for t in levels %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
),
expected AS (
    {%- for level in ['kecamatan', 'kabupaten'] %}
    SELECT '{{ level }}' AS tingkat,
           {% if level == 'kecamatan' %}kode_kecamatan{% else %}''{% endif %} AS area,
           {%- for k in keys %} {{ k }},{% endfor %}
           {%- for c in sums %} SUM({{ c }}) AS {{ c }},{% endfor %}
           {%- for c in counts %}
           CASE WHEN COUNT({{ c }}) > 0 THEN COALESCE(SUM({{ c }}) FILTER (WHERE {{ over }}), 0) END
               AS {{ c }},
           {%- endfor %}
           COUNT(*) AS desa_rows
    FROM desa
    GROUP BY {{ keys | join(', ') }}{% if level == 'kecamatan' %}, kode_kecamatan{% endif %}
    {% if not loop.last %}UNION ALL{% endif %}
    {%- endfor %}
),
rolled_up AS (
    SELECT tingkat, CASE WHEN tingkat = 'kecamatan' THEN kode_wilayah ELSE '' END AS area,
           {%- for k in keys %} {{ k }},{% endfor %}
           {%- for c in measures %} {{ c }}{% if not loop.last %},{% endif %}{% endfor %}
    FROM {{ model }}
    WHERE tingkat IN ('kecamatan', 'kabupaten')
),
unknown_level AS (
    SELECT tingkat, kode_wilayah AS area
    FROM {{ model }}
    WHERE tingkat NOT IN ('kecamatan', 'kabupaten',
                          {% for t in levels %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
)
-- the join on equality only: PostgreSQL runs a FULL JOIN on hashable or mergeable conditions
SELECT COALESCE(r.tingkat, e.tingkat) AS tingkat, COALESCE(r.area, e.area) AS area,
       e.desa_rows, r.tingkat IS NULL AS roll_up_missing
FROM rolled_up r
FULL OUTER JOIN expected e
  ON e.tingkat = r.tingkat AND e.area = r.area
  {%- for k in keys %} AND e.{{ k }} = r.{{ k }}{% endfor %}
WHERE r.tingkat IS NULL OR e.tingkat IS NULL
   {%- for c in measures %}
   OR e.{{ c }} IS DISTINCT FROM r.{{ c }}
   {%- endfor %}
UNION ALL
SELECT tingkat, area, NULL, NULL FROM unknown_level
{% endtest %}
