-- Company history (type-2): one version per nib and registry record (its updated_at). This run
-- rebuilds the history of every company an extract in the run touches: its published versions
-- with the new ones (a version already held is not added twice), valid_to and is_current
-- recomputed. Identity and status at a moment t are the version with valid_from <= t <
-- valid_to, and before the first version, that first version from the company's first
-- appearance; the headcount at t is the latest WLKP report with tgl_lapor_wlkp <= t
-- (fct_company_month, docs/compliance.md).
{%- set published = published_relation('core', 'dim_company') if execute else none %}
WITH staged AS (
    SELECT nib, updated_at AS valid_from, npp, npwp, nama_perusahaan, kbli, skala_usaha,
           kode_desa, jumlah_tk_laki, jumlah_tk_perempuan, jumlah_tk_wlkp, tgl_lapor_wlkp,
           status_usaha,
           -- the same version in two extracts: the one extracted first is the one held
           ROW_NUMBER() OVER (PARTITION BY nib, updated_at ORDER BY updated_at) AS k
    FROM {{ ref('stg_registry') }}
),
{%- if published is not none %}
held AS (
    SELECT nib, valid_from, npp, npwp, nama_perusahaan, kbli, skala_usaha, kode_desa,
           jumlah_tk_laki, jumlah_tk_perempuan, jumlah_tk_wlkp, tgl_lapor_wlkp, status_usaha
    FROM {{ published }}
    WHERE nib IN (SELECT nib FROM staged)
),
{%- endif %}
versions AS (
    {%- if published is not none %}
    SELECT * FROM held
    UNION ALL
    {%- endif %}
    SELECT nib, valid_from, npp, npwp, nama_perusahaan, kbli, skala_usaha, kode_desa,
           jumlah_tk_laki, jumlah_tk_perempuan, jumlah_tk_wlkp, tgl_lapor_wlkp, status_usaha
    FROM staged s
    WHERE k = 1
    {%- if published is not none %}
      AND NOT EXISTS (SELECT 1 FROM held h WHERE h.nib = s.nib AND h.valid_from = s.valid_from)
    {%- endif %}
)
SELECT nib, valid_from,
       LEAD(valid_from) OVER (PARTITION BY nib ORDER BY valid_from) AS valid_to,
       LEAD(valid_from) OVER (PARTITION BY nib ORDER BY valid_from) IS NULL AS is_current,
       npp, npwp, nama_perusahaan, kbli, skala_usaha, kode_desa, jumlah_tk_laki,
       jumlah_tk_perempuan, jumlah_tk_wlkp, tgl_lapor_wlkp, status_usaha
FROM versions
