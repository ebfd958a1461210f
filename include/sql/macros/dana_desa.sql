{#- The Dana Desa indicator of one fiscal year `tahun` (the rules: models/marts/mart_dana_desa.sql),
    its participant side over the loaded months of the year up to and including `up_to` (all of
    them when none): mart_dana_desa (the year as loaded) and mart_dana_desa_bulan (the year as it
    stood at the end of each month) are this one query. Columns in the order of
    contract_columns('mart_dana_desa'). -#}
{% macro dana_desa_indicator(tahun, up_to=none) %}
    WITH months AS (
        SELECT periode FROM {{ ref('int_dim_month') }} WHERE tahun = {{ tahun }}
          {%- if up_to %} AND periode <= {{ literal(up_to) }}{% endif %}
    ),
    latest AS (
        SELECT MAX(periode) AS periode, COUNT(*) AS bulan FROM months
    ),
    -- A revenue item without a line is NULL (unknown: the line may have been quarantined, or the
    -- export left it out), never 0; a premium without a line is 0, as SOURCES.md counts the premium
    -- lines present: no line, no premium budgeted (what the PESERTA_*_TANPA_PREMI alerts test).
    budget AS (
        SELECT kode_desa,
               MAX(tgl_update) AS tgl_update,
               SUM(anggaran) FILTER (WHERE pos_pendapatan = 'DANA_DESA') AS dd_a,
               SUM(realisasi) FILTER (WHERE pos_pendapatan = 'DANA_DESA') AS dd_r,
               SUM(anggaran) FILTER (WHERE pos_pendapatan = 'ADD') AS add_a,
               SUM(realisasi) FILTER (WHERE pos_pendapatan = 'ADD') AS add_r,
               SUM(anggaran) FILTER (WHERE pos_pendapatan = 'BHP') AS bhp_a,
               SUM(realisasi) FILTER (WHERE pos_pendapatan = 'BHP') AS bhp_r,
               COALESCE(SUM(anggaran) FILTER (
                   WHERE penerima_premi = 'PERANGKAT_DESA' AND sumber_dana = 'DDS'), 0) AS pp_dds_a,
               COALESCE(SUM(realisasi) FILTER (
                   WHERE penerima_premi = 'PERANGKAT_DESA' AND sumber_dana = 'DDS'), 0) AS pp_dds_r,
               COALESCE(SUM(anggaran) FILTER (
                   WHERE penerima_premi = 'PERANGKAT_DESA' AND sumber_dana <> 'DDS'), 0) AS pp_lain_a,
               COALESCE(SUM(realisasi) FILTER (
                   WHERE penerima_premi = 'PERANGKAT_DESA' AND sumber_dana <> 'DDS'), 0) AS pp_lain_r,
               COALESCE(SUM(anggaran) FILTER (
                   WHERE penerima_premi = 'PEKERJA_RENTAN' AND sumber_dana = 'DDS'), 0) AS pr_dds_a,
               COALESCE(SUM(realisasi) FILTER (
                   WHERE penerima_premi = 'PEKERJA_RENTAN' AND sumber_dana = 'DDS'), 0) AS pr_dds_r,
               COALESCE(SUM(anggaran) FILTER (
                   WHERE penerima_premi = 'PEKERJA_RENTAN' AND sumber_dana <> 'DDS'), 0) AS pr_lain_a,
               COALESCE(SUM(realisasi) FILTER (
                   WHERE penerima_premi = 'PEKERJA_RENTAN' AND sumber_dana <> 'DDS'), 0) AS pr_lain_r
        FROM {{ ref('int_apbdes') }}
        WHERE tahun = {{ tahun }}
        GROUP BY kode_desa
    ),
    -- Each month's DANA_DESA persons per desa were summed when the month was loaded
    -- (core/fct_dana_desa_month.sql): the year adds up those rows, never re-reading the months.
    persons AS (
        SELECT d.kode_desa,
               CAST(SUM(d.peserta_perangkat) FILTER (WHERE d.periode = l.periode) AS BIGINT)
                   AS peserta_pp,
               CAST(SUM(d.peserta_rentan) FILTER (WHERE d.periode = l.periode) AS BIGINT)
                   AS peserta_pr,
               CAST(SUM(d.peserta_perangkat) AS BIGINT) AS orang_bulan_pp,
               CAST(SUM(d.peserta_rentan) AS BIGINT) AS orang_bulan_pr,
               SUM(d.iuran_perangkat) AS iuran_pp,
               SUM(d.iuran_rentan) AS iuran_pr
        FROM {{ ref('int_dana_desa_month') }} d
        JOIN months m ON m.periode = d.periode
        CROSS JOIN latest l
        GROUP BY d.kode_desa
    ),
    officials AS (
        SELECT o.kode_wilayah, o.perangkat_aktif, o.jumlah_perangkat_desa
        FROM {{ ref('int_village_official_coverage') }} o
        JOIN latest l ON l.periode = o.periode
        WHERE o.tingkat = 'desa'
    ),
    desa AS (
        SELECT w.kode_wilayah, w.nama AS nama_wilayah, w.kode_kecamatan,
               CASE WHEN b.kode_desa IS NULL THEN 0 ELSE 1 END AS desa_apbdes,
               b.tgl_update, b.dd_a, b.dd_r, b.add_a, b.add_r, b.bhp_a, b.bhp_r,
               b.pp_dds_a + b.pp_lain_a AS pp_a, b.pp_dds_r + b.pp_lain_r AS pp_r,
               b.pp_dds_a, b.pp_dds_r, b.pp_lain_a, b.pp_lain_r,
               b.pr_dds_a + b.pr_lain_a AS pr_a, b.pr_dds_r + b.pr_lain_r AS pr_r,
               b.pr_dds_a, b.pr_dds_r, b.pr_lain_a, b.pr_lain_r,
               l.periode AS periode_akhir, l.bulan AS bulan_dimuat,
               COALESCE(p.peserta_pp, 0) AS peserta_pp, COALESCE(p.peserta_pr, 0) AS peserta_pr,
               COALESCE(p.orang_bulan_pp, 0) AS orang_bulan_pp,
               COALESCE(p.orang_bulan_pr, 0) AS orang_bulan_pr,
               COALESCE(p.iuran_pp, 0) AS iuran_pp, COALESCE(p.iuran_pr, 0) AS iuran_pr,
               o.perangkat_aktif, o.jumlah_perangkat_desa,
               CASE WHEN b.dd_a IS NULL THEN 0 ELSE 1 END AS desa_dd,
               CASE WHEN b.add_a IS NULL THEN 0 ELSE 1 END AS desa_add,
               CASE WHEN b.bhp_a IS NULL THEN 0 ELSE 1 END AS desa_bhp,
               CASE WHEN o.jumlah_perangkat_desa IS NULL THEN 0 ELSE 1 END AS desa_perangkat,
               -- the DDS premiums of a desa that reports its Dana Desa: the share's numerator
               CASE WHEN b.dd_a IS NOT NULL THEN b.pp_dds_a + b.pr_dds_a END AS pdd_a,
               CASE WHEN b.dd_r IS NOT NULL THEN b.pp_dds_r + b.pr_dds_r END AS pdd_r
        FROM {{ ref('dim_wilayah') }} w
        CROSS JOIN latest l
        LEFT JOIN budget b ON b.kode_desa = w.kode_wilayah
        LEFT JOIN persons p ON p.kode_desa = w.kode_wilayah
        LEFT JOIN officials o ON o.kode_wilayah = w.kode_wilayah
        WHERE w.tingkat = 'desa'
    ),
    equivalent AS (
        SELECT d.*,
{#- the persons a year's premium realisation pays for: the realisation over a year of the
    band's monthly premium, or of what the persons registered cost a month when more -#}
{%- for x, band in [('pp', 'premi_bulanan_perangkat'), ('pr', 'premi_bulanan_rentan')] %}
               CAST(d.{{ x }}_r AS DOUBLE PRECISION) / (
                   CAST({{ threshold('premi_bulan_setahun') }} AS DOUBLE PRECISION)
                   * GREATEST(CAST({{ threshold(band) }} AS DOUBLE PRECISION),
                              COALESCE(CAST(d.iuran_{{ x }} AS DOUBLE PRECISION)
                                       / NULLIF(d.orang_bulan_{{ x }}, 0), 0))) AS setara_{{ x }},
{%- endfor %}
               d.desa_apbdes = 1 AND d.periode_akhir IS NOT NULL AS assessable
        FROM desa d
    ),
    flagged AS (
        SELECT e.kode_wilayah, e.nama_wilayah, e.kode_kecamatan, e.desa_apbdes, e.tgl_update,
               e.dd_a, e.dd_r, e.add_a, e.add_r, e.bhp_a, e.bhp_r, e.pp_a, e.pp_r, e.pp_dds_a,
               e.pp_dds_r, e.pp_lain_a, e.pp_lain_r, e.pr_a, e.pr_r, e.pr_dds_a, e.pr_dds_r,
               e.pr_lain_a, e.pr_lain_r, e.periode_akhir, e.bulan_dimuat, e.peserta_pp,
               e.peserta_pr, e.orang_bulan_pp, e.orang_bulan_pr, e.iuran_pp, e.iuran_pr,
               e.perangkat_aktif, e.jumlah_perangkat_desa, e.desa_dd, e.desa_add, e.desa_bhp,
               e.desa_perangkat, e.pdd_a, e.pdd_r, e.setara_pp, e.setara_pr,
{%- for x in ['pp', 'pr'] %}
               CASE WHEN e.assessable THEN
                   e.{{ x }}_r > 0 AND e.setara_{{ x }} - e.peserta_{{ x }} >= {{ threshold('premi_min_selisih') }}
                   AND e.peserta_{{ x }} < {{ threshold('premi_maks_porsi_peserta') }} * e.setara_{{ x }}
               END AS premi_{{ x }}_tanpa_peserta,
{%- endfor %}
{%- for x in ['pp', 'pr'] %}
               CASE WHEN e.assessable THEN
                   e.peserta_{{ x }} >= {{ threshold('tanpa_premi_min_peserta') }} AND e.{{ x }}_a = 0 AND e.{{ x }}_r = 0
               END AS peserta_{{ x }}_tanpa_premi{% if not loop.last %},{% endif %}
{%- endfor %}
        FROM equivalent e
    ),
    -- kecamatan and kabupaten in one pass: a row per kecamatan, and the whole (kode_kecamatan
    -- NULL: desa outside a known kecamatan are left out of both, as before). Revenue sums the desa
    -- that report it (desa_dana_desa, desa_add, desa_bhp say how many), the share of Dana Desa
    -- divides the DDS premiums of those same desa by their Dana Desa, and the officials sum the
    -- desa with a roster figure on both sides (desa_jumlah_perangkat), as in
    -- mart_village_official_coverage.
    rolled_up AS (
        SELECT d.kode_kecamatan,
               SUM(d.desa_apbdes) AS desa_apbdes, MAX(d.tgl_update) AS tgl_update,
               SUM(d.dd_a) AS dd_a, SUM(d.dd_r) AS dd_r, SUM(d.add_a) AS add_a,
               SUM(d.add_r) AS add_r, SUM(d.bhp_a) AS bhp_a, SUM(d.bhp_r) AS bhp_r,
               SUM(d.pp_a) AS pp_a, SUM(d.pp_r) AS pp_r, SUM(d.pp_dds_a) AS pp_dds_a,
               SUM(d.pp_dds_r) AS pp_dds_r, SUM(d.pp_lain_a) AS pp_lain_a,
               SUM(d.pp_lain_r) AS pp_lain_r, SUM(d.pr_a) AS pr_a, SUM(d.pr_r) AS pr_r,
               SUM(d.pr_dds_a) AS pr_dds_a, SUM(d.pr_dds_r) AS pr_dds_r,
               SUM(d.pr_lain_a) AS pr_lain_a, SUM(d.pr_lain_r) AS pr_lain_r,
               MAX(d.periode_akhir) AS periode_akhir, MAX(d.bulan_dimuat) AS bulan_dimuat,
               SUM(d.peserta_pp) AS peserta_pp, SUM(d.peserta_pr) AS peserta_pr,
               SUM(d.orang_bulan_pp) AS orang_bulan_pp, SUM(d.orang_bulan_pr) AS orang_bulan_pr,
               SUM(d.iuran_pp) AS iuran_pp, SUM(d.iuran_pr) AS iuran_pr,
               CASE WHEN COUNT(d.perangkat_aktif) > 0 THEN  -- NULL while no month is loaded
                   COALESCE(SUM(d.perangkat_aktif) FILTER (WHERE d.desa_perangkat = 1), 0)
               END AS perangkat_aktif,
               SUM(d.jumlah_perangkat_desa) AS jumlah_perangkat_desa,
               SUM(d.desa_dd) AS desa_dd, SUM(d.desa_add) AS desa_add, SUM(d.desa_bhp) AS desa_bhp,
               SUM(d.desa_perangkat) AS desa_perangkat, SUM(d.pdd_a) AS pdd_a,
               SUM(d.pdd_r) AS pdd_r
        FROM flagged d
        WHERE d.kode_kecamatan IN (SELECT kode_wilayah FROM {{ ref('dim_wilayah') }})
        GROUP BY GROUPING SETS ((d.kode_kecamatan), ())
        HAVING COUNT(*) > 0  -- no whole of an empty year
    ),
    kecamatan AS (
        SELECT r.kode_kecamatan AS kode_wilayah, w.nama AS nama_wilayah, r.*
        FROM rolled_up r
        JOIN {{ ref('dim_wilayah') }} w ON w.kode_wilayah = r.kode_kecamatan
    ),
    kabupaten AS (
        SELECT w.kode_wilayah, w.nama AS nama_wilayah, r.*
        FROM rolled_up r
        CROSS JOIN {{ ref('dim_wilayah') }} w
        WHERE w.tingkat = 'kabupaten' AND r.kode_kecamatan IS NULL
    ),
    areas AS (
        SELECT 'desa' AS tingkat, f.* FROM flagged f
        UNION ALL
        SELECT 'kecamatan', k.*, CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION),
               CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN),
               CAST(NULL AS BOOLEAN)
        FROM kecamatan k
        UNION ALL
        SELECT 'kabupaten', b.*, CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION),
               CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN),
               CAST(NULL AS BOOLEAN)
        FROM kabupaten b
    )
    SELECT CAST({{ tahun }} AS INTEGER), tingkat, kode_wilayah, nama_wilayah, kode_kecamatan, desa_apbdes,
           tgl_update, dd_a, dd_r, add_a, add_r, bhp_a, bhp_r, pp_a, pp_r, pp_dds_a, pp_dds_r,
           pp_lain_a, pp_lain_r, pr_a, pr_r, pr_dds_a, pr_dds_r, pr_lain_a, pr_lain_r,
           pp_dds_a + pr_dds_a, pp_dds_r + pr_dds_r,
           CAST(pdd_a AS DOUBLE PRECISION) / NULLIF(dd_a, 0),
           CAST(pdd_r AS DOUBLE PRECISION) / NULLIF(dd_r, 0),
           periode_akhir, bulan_dimuat, peserta_pp + peserta_pr, peserta_pp, peserta_pr,
           orang_bulan_pp, orang_bulan_pr, iuran_pp + iuran_pr, iuran_pp, iuran_pr,
           perangkat_aktif, jumlah_perangkat_desa,
           CAST(perangkat_aktif AS DOUBLE PRECISION) / NULLIF(jumlah_perangkat_desa, 0),
           setara_pp, setara_pr, premi_pp_tanpa_peserta, premi_pr_tanpa_peserta,
           peserta_pp_tanpa_premi, peserta_pr_tanpa_premi, desa_dd, desa_add, desa_bhp,
           desa_perangkat
    FROM areas
{% endmacro %}
