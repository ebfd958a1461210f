-- Each company the registry knows by the month's end beside its active PU participants in
-- the month.
-- One query per month of the run (macro each), reading the warehouse as it will be after
-- the run (the int_ models).
-- After fct_person_month, never beside it: both hold a whole month's participants in their
-- operators, and two such queries at once do not fit DuckDB's memory cap at national scale
-- (61 M rows: each alone fits). dbt runs the lighter models beside either.
-- depends_on: {{ ref('fct_person_month') }}
{% call(m) each(scope('months')) %}
WITH month AS (
    SELECT umk FROM {{ ref('int_dim_month') }} WHERE periode = {{ literal(m.periode) }}
),
previous_loaded AS (
    SELECT COUNT(*) AS n FROM {{ ref('int_dim_month') }} WHERE periode = {{ literal(m.prev_periode) }}
),
-- core.dim_company holds each registry record under its updated_at (valid_from). Which date
-- answers what (docs/compliance.md, "Which registry date answers a month"):
-- * identity and status (npp, skala_usaha, kode_desa, status_usaha, name): the record current
--   at the month's end; before its first record the company is answered by that first record
--   from the moment it first appears (its earliest report date or record change), so a
--   company extracted for the first time after an address edit still has its earlier months;
-- * headcount (jumlah_tk_wlkp): the latest WLKP report dated by the month's end (its
--   tgl_lapor_wlkp; a report without a date counts from its record's change), whichever record
--   carried it and whenever that record was extracted. Records carrying the same report date
--   (a correction) answer as the registry was: the one current at the month's end, else the
--   first that carried it.
first_seen AS (
    SELECT nib, MIN(valid_from) AS first_record,
           MIN(LEAST(COALESCE(CAST(tgl_lapor_wlkp AS TIMESTAMP), valid_from), valid_from))
               AS first_seen
    FROM {{ ref('int_dim_company') }}
    GROUP BY nib
),
identity AS (
    SELECT d.* FROM {{ ref('int_dim_company') }} d
    JOIN first_seen f ON f.nib = d.nib
    WHERE f.first_seen < {{ date_literal(m.next_month_start) }}
      AND (d.valid_from < {{ date_literal(m.next_month_start) }} OR d.valid_from = f.first_record)
      AND (d.valid_to IS NULL OR d.valid_to >= {{ date_literal(m.next_month_start) }})
),
reports AS (
    SELECT nib, jumlah_tk_wlkp, valid_from,
           COALESCE(CAST(tgl_lapor_wlkp AS TIMESTAMP), valid_from) AS reported
    FROM {{ ref('int_dim_company') }}
),
{#- the report as known at the month's end and at its start (the month before) #}
{%- for name, cutoff in [('report', m.next_month_start), ('report_prev', m.month_start)] %}
{{ name }} AS (
    SELECT nib, jumlah_tk_wlkp FROM (
        SELECT nib, jumlah_tk_wlkp,
               ROW_NUMBER() OVER (
                   PARTITION BY nib ORDER BY reported DESC,
                   CASE WHEN valid_from < {{ date_literal(cutoff) }} THEN 0 ELSE 1 END,
                   CASE WHEN valid_from < {{ date_literal(cutoff) }} THEN valid_from END DESC NULLS LAST,
                   valid_from) AS k
        FROM reports WHERE reported < {{ date_literal(cutoff) }}
    ) r WHERE k = 1
),
{%- endfor %}
company AS (
    SELECT i.nib, i.valid_from, i.npp, i.skala_usaha, i.status_usaha, i.kode_desa,
           r.jumlah_tk_wlkp
    FROM identity i
    LEFT JOIN report r ON r.nib = i.nib
),
company_prev AS (
    SELECT nib, jumlah_tk_wlkp FROM report_prev
),
workers AS (
    SELECT p.npp,
           COUNT(DISTINCT p.person_key) AS peserta,
           COUNT(*) AS kartu,
           PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY p.upah) AS upah_median,
           MIN(p.upah) AS upah_min,
           COUNT(*) FILTER (WHERE p.upah <= m.umk * (1 + {{ threshold('umk_tolerance') }})) AS upah_le_umk,
           COUNT(*) FILTER (WHERE NOT p.has_jkk) AS tanpa_jkk,
           COUNT(*) FILTER (WHERE NOT p.has_jkm) AS tanpa_jkm,
           COUNT(*) FILTER (WHERE NOT p.has_jht) AS tanpa_jht,
           COUNT(*) FILTER (WHERE NOT p.has_jp) AS tanpa_jp
    FROM {{ ref('int_participant_month') }} p
    CROSS JOIN month m
    WHERE p.periode = {{ literal(m.periode) }} AND p.is_active AND p.segmen = 'PU' AND p.npp IS NOT NULL
    GROUP BY p.npp
),
workers_prev AS (
    SELECT npp, COUNT(DISTINCT person_key) AS peserta
    FROM {{ ref('int_participant_month') }}
    WHERE periode = {{ literal(m.prev_periode) }} AND is_active AND segmen = 'PU' AND npp IS NOT NULL
    GROUP BY npp
),
-- Rotation: a person deactivated at the npp and registered again there with a new kpj this
-- month, within the window after the deactivation.
rotation AS (
    SELECT a.npp, COUNT(DISTINCT a.person_key) AS didaftarkan_ulang
    FROM {{ ref('int_participant_month') }} a
    JOIN {{ ref('int_participant_month') }} n
      ON n.periode = a.periode AND n.person_key = a.person_key AND n.npp = a.npp
     AND n.kpj <> a.kpj
    WHERE a.periode = {{ literal(m.periode) }} AND a.is_active AND a.segmen = 'PU'
      AND a.tgl_kepesertaan >= {{ date_literal(m.month_start) }} AND a.tgl_kepesertaan < {{ date_literal(m.next_month_start) }}
      AND NOT n.is_active
      AND n.tgl_nonaktif <= a.tgl_kepesertaan
      AND n.tgl_nonaktif >= a.tgl_kepesertaan - CAST({{ scope('rotation_window_days') }} AS INTEGER)
    GROUP BY a.npp
)
SELECT CAST({{ literal(m.periode) }} AS VARCHAR) AS periode, c.nib, c.valid_from AS company_valid_from,
       c.npp, c.skala_usaha, c.status_usaha, c.kode_desa,
       c.jumlah_tk_wlkp, cp.jumlah_tk_wlkp AS jumlah_tk_wlkp_prev,
       CAST(COALESCE(w.peserta, 0) AS BIGINT) AS peserta_pu_aktif,
       CAST(CASE WHEN (SELECT n FROM previous_loaded) > 0 THEN COALESCE(wp.peserta, 0) END AS BIGINT)
           AS peserta_pu_prev,
       CAST(COALESCE(w.kartu, 0) AS BIGINT) AS kartu_pu_aktif, (SELECT umk FROM month) AS umk,
       CAST(w.upah_median AS DOUBLE PRECISION) AS upah_median, w.upah_min,
       CAST(COALESCE(w.upah_le_umk, 0) AS BIGINT) AS kartu_upah_le_umk,
       CAST(COALESCE(w.tanpa_jkk, 0) AS BIGINT) AS kartu_tanpa_jkk,
       CAST(COALESCE(w.tanpa_jkm, 0) AS BIGINT) AS kartu_tanpa_jkm,
       CAST(COALESCE(w.tanpa_jht, 0) AS BIGINT) AS kartu_tanpa_jht,
       CAST(COALESCE(w.tanpa_jp, 0) AS BIGINT) AS kartu_tanpa_jp,
       CAST(COALESCE(r.didaftarkan_ulang, 0) AS BIGINT) AS didaftarkan_ulang
FROM company c
LEFT JOIN company_prev cp ON cp.nib = c.nib
LEFT JOIN workers w ON w.npp = c.npp
LEFT JOIN workers_prev wp ON wp.npp = c.npp
LEFT JOIN rotation r ON r.npp = c.npp
{% endcall %}
