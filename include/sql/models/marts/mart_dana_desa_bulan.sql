-- The Dana Desa indicator of marts/mart_dana_desa.sql as it stood at the end of each loaded
-- month (periode): the fiscal year's budget beside its participants of the months up to and
-- including that month (periode_akhir = periode). One query per month of the run's scope.
-- The village alerts of a month read it (ucj.warehouse.village): the alerts of a month are
-- those of the year as known then, whether its months were loaded one a run or all at once.
{% call(m) each(scope('months')) %}
SELECT CAST({{ literal(m.periode) }} AS VARCHAR) AS periode,
       CAST(tahun AS INTEGER) AS tahun,
       CAST(tingkat AS VARCHAR) AS tingkat,
       CAST(kode_wilayah AS VARCHAR) AS kode_wilayah,
       CAST(nama_wilayah AS VARCHAR) AS nama_wilayah,
       CAST(kode_kecamatan AS VARCHAR) AS kode_kecamatan,
       CAST(desa_apbdes AS BIGINT) AS desa_apbdes,
       CAST(tgl_update AS DATE) AS tgl_update,
       CAST(dana_desa_anggaran AS BIGINT) AS dana_desa_anggaran,
       CAST(dana_desa_realisasi AS BIGINT) AS dana_desa_realisasi,
       CAST(add_anggaran AS BIGINT) AS add_anggaran,
       CAST(add_realisasi AS BIGINT) AS add_realisasi,
       CAST(bhp_anggaran AS BIGINT) AS bhp_anggaran,
       CAST(bhp_realisasi AS BIGINT) AS bhp_realisasi,
       CAST(premi_perangkat_anggaran AS BIGINT) AS premi_perangkat_anggaran,
       CAST(premi_perangkat_realisasi AS BIGINT) AS premi_perangkat_realisasi,
       CAST(premi_perangkat_dds_anggaran AS BIGINT) AS premi_perangkat_dds_anggaran,
       CAST(premi_perangkat_dds_realisasi AS BIGINT) AS premi_perangkat_dds_realisasi,
       CAST(premi_perangkat_lain_anggaran AS BIGINT) AS premi_perangkat_lain_anggaran,
       CAST(premi_perangkat_lain_realisasi AS BIGINT) AS premi_perangkat_lain_realisasi,
       CAST(premi_rentan_anggaran AS BIGINT) AS premi_rentan_anggaran,
       CAST(premi_rentan_realisasi AS BIGINT) AS premi_rentan_realisasi,
       CAST(premi_rentan_dds_anggaran AS BIGINT) AS premi_rentan_dds_anggaran,
       CAST(premi_rentan_dds_realisasi AS BIGINT) AS premi_rentan_dds_realisasi,
       CAST(premi_rentan_lain_anggaran AS BIGINT) AS premi_rentan_lain_anggaran,
       CAST(premi_rentan_lain_realisasi AS BIGINT) AS premi_rentan_lain_realisasi,
       CAST(premi_dds_anggaran AS BIGINT) AS premi_dds_anggaran,
       CAST(premi_dds_realisasi AS BIGINT) AS premi_dds_realisasi,
       CAST(porsi_premi_dana_desa_anggaran AS DOUBLE PRECISION) AS porsi_premi_dana_desa_anggaran,
       CAST(porsi_premi_dana_desa_realisasi AS DOUBLE PRECISION) AS porsi_premi_dana_desa_realisasi,
       CAST(periode_akhir AS VARCHAR) AS periode_akhir,
       CAST(bulan_dimuat AS INTEGER) AS bulan_dimuat,
       CAST(peserta_dana_desa AS BIGINT) AS peserta_dana_desa,
       CAST(peserta_dana_desa_perangkat AS BIGINT) AS peserta_dana_desa_perangkat,
       CAST(peserta_dana_desa_rentan AS BIGINT) AS peserta_dana_desa_rentan,
       CAST(orang_bulan_dana_desa_perangkat AS BIGINT) AS orang_bulan_dana_desa_perangkat,
       CAST(orang_bulan_dana_desa_rentan AS BIGINT) AS orang_bulan_dana_desa_rentan,
       CAST(iuran_dana_desa AS DECIMAL(18, 2)) AS iuran_dana_desa,
       CAST(iuran_dana_desa_perangkat AS DECIMAL(18, 2)) AS iuran_dana_desa_perangkat,
       CAST(iuran_dana_desa_rentan AS DECIMAL(18, 2)) AS iuran_dana_desa_rentan,
       CAST(perangkat_aktif AS BIGINT) AS perangkat_aktif,
       CAST(jumlah_perangkat_desa AS BIGINT) AS jumlah_perangkat_desa,
       CAST(coverage_perangkat AS DOUBLE PRECISION) AS coverage_perangkat,
       CAST(setara_peserta_premi_perangkat AS DOUBLE PRECISION) AS setara_peserta_premi_perangkat,
       CAST(setara_peserta_premi_rentan AS DOUBLE PRECISION) AS setara_peserta_premi_rentan,
       CAST(is_premi_perangkat_tanpa_peserta AS BOOLEAN) AS is_premi_perangkat_tanpa_peserta,
       CAST(is_premi_rentan_tanpa_peserta AS BOOLEAN) AS is_premi_rentan_tanpa_peserta,
       CAST(is_peserta_perangkat_tanpa_premi AS BOOLEAN) AS is_peserta_perangkat_tanpa_premi,
       CAST(is_peserta_rentan_tanpa_premi AS BOOLEAN) AS is_peserta_rentan_tanpa_premi,
       CAST(desa_dana_desa AS BIGINT) AS desa_dana_desa,
       CAST(desa_add AS BIGINT) AS desa_add,
       CAST(desa_bhp AS BIGINT) AS desa_bhp,
       CAST(desa_jumlah_perangkat AS BIGINT) AS desa_jumlah_perangkat
FROM (
    WITH months AS (
        SELECT periode FROM {{ ref('int_dim_month') }} WHERE tahun = {{ m.tahun }} AND periode <= {{ literal(m.periode) }}
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
        WHERE tahun = {{ m.tahun }}
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
               CAST(d.pp_r AS DOUBLE PRECISION) / (
                   CAST({{ threshold('premi_bulan_setahun') }} AS DOUBLE PRECISION)
                   * GREATEST(CAST({{ threshold('premi_bulanan_perangkat') }} AS DOUBLE PRECISION),
                              COALESCE(CAST(d.iuran_pp AS DOUBLE PRECISION)
                                       / NULLIF(d.orang_bulan_pp, 0), 0))) AS setara_pp,
               CAST(d.pr_r AS DOUBLE PRECISION) / (
                   CAST({{ threshold('premi_bulan_setahun') }} AS DOUBLE PRECISION)
                   * GREATEST(CAST({{ threshold('premi_bulanan_rentan') }} AS DOUBLE PRECISION),
                              COALESCE(CAST(d.iuran_pr AS DOUBLE PRECISION)
                                       / NULLIF(d.orang_bulan_pr, 0), 0))) AS setara_pr,
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
               CASE WHEN e.assessable THEN
                   e.pp_r > 0 AND e.setara_pp - e.peserta_pp >= {{ threshold('premi_min_selisih') }}
                   AND e.peserta_pp < {{ threshold('premi_maks_porsi_peserta') }} * e.setara_pp
               END AS premi_pp_tanpa_peserta,
               CASE WHEN e.assessable THEN
                   e.pr_r > 0 AND e.setara_pr - e.peserta_pr >= {{ threshold('premi_min_selisih') }}
                   AND e.peserta_pr < {{ threshold('premi_maks_porsi_peserta') }} * e.setara_pr
               END AS premi_pr_tanpa_peserta,
               CASE WHEN e.assessable THEN
                   e.peserta_pp >= {{ threshold('tanpa_premi_min_peserta') }} AND e.pp_a = 0 AND e.pp_r = 0
               END AS peserta_pp_tanpa_premi,
               CASE WHEN e.assessable THEN
                   e.peserta_pr >= {{ threshold('tanpa_premi_min_peserta') }} AND e.pr_a = 0 AND e.pr_r = 0
               END AS peserta_pr_tanpa_premi
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
    SELECT CAST({{ m.tahun }} AS INTEGER), tingkat, kode_wilayah, nama_wilayah, kode_kecamatan, desa_apbdes,
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
) AS result (tahun, tingkat, kode_wilayah, nama_wilayah, kode_kecamatan, desa_apbdes, tgl_update, dana_desa_anggaran, dana_desa_realisasi, add_anggaran, add_realisasi, bhp_anggaran, bhp_realisasi, premi_perangkat_anggaran, premi_perangkat_realisasi, premi_perangkat_dds_anggaran, premi_perangkat_dds_realisasi, premi_perangkat_lain_anggaran, premi_perangkat_lain_realisasi, premi_rentan_anggaran, premi_rentan_realisasi, premi_rentan_dds_anggaran, premi_rentan_dds_realisasi, premi_rentan_lain_anggaran, premi_rentan_lain_realisasi, premi_dds_anggaran, premi_dds_realisasi, porsi_premi_dana_desa_anggaran, porsi_premi_dana_desa_realisasi, periode_akhir, bulan_dimuat, peserta_dana_desa, peserta_dana_desa_perangkat, peserta_dana_desa_rentan, orang_bulan_dana_desa_perangkat, orang_bulan_dana_desa_rentan, iuran_dana_desa, iuran_dana_desa_perangkat, iuran_dana_desa_rentan, perangkat_aktif, jumlah_perangkat_desa, coverage_perangkat, setara_peserta_premi_perangkat, setara_peserta_premi_rentan, is_premi_perangkat_tanpa_peserta, is_premi_rentan_tanpa_peserta, is_peserta_perangkat_tanpa_premi, is_peserta_rentan_tanpa_premi, desa_dana_desa, desa_add, desa_bhp, desa_jumlah_perangkat)
{% endcall %}
