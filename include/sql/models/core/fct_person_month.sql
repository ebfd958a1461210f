-- Active persons of the month, each placed once (SOURCES.md: latest tgl_kepesertaan among
-- their active rows, ties to the smallest kpj). The placement rule lives here only: the marts
-- that count persons (coverage, who pays) read these rows.
-- One query per month (macro each), partitioned by person_key alone: a window partitioned by
-- (periode, person_key) hashes the month's constant periode into every one of its rows (a
-- province month's node: 7.6 s that way, 6.8 s this way, benchmarks/load_breakdown.py). For the
-- same reason the month is written as a constant after the window instead of carried through
-- its sort (the node, one at a time: 4.3 s carried, 4.1 s not).
{%- set months = [] %}
{%- for p in scope('periodes_baru') %}{% do months.append({'periode': p}) %}{% endfor %}
{% call(m) each(months) %}
SELECT CAST({{ literal(m.periode) }} AS VARCHAR) AS periode, person_key, kode_desa, segmen,
       kategori, CAST(memberships AS INTEGER) AS active_memberships, sumber_iuran
FROM (
    SELECT person_key, kode_desa, segmen, kategori, sumber_iuran,
           COUNT(*) OVER (PARTITION BY person_key) AS memberships,
           ROW_NUMBER() OVER (PARTITION BY person_key
                              ORDER BY tgl_kepesertaan DESC NULLS LAST, kpj) AS placement
    FROM {{ ref('fct_participant_month') }}
    WHERE periode = {{ literal(m.periode) }} AND is_active
) ranked
WHERE placement = 1
{% endcall %}
