-- Dana Desa for social security of one fiscal year (SOURCES.md indicator), per desa, rolled up
-- to kecamatan and kabupaten by sums (never by averaging ratios).
--
-- Budget side (core.fct_apbdes of the year): Dana Desa (4.2.1), BHP (4.2.2) and ADD (4.2.3)
-- revenue; premium lines for village officials and vulnerable workers (rule in ucj.village),
-- each split into DDS-funded and other sources; the share of Dana Desa counts DDS lines only.
--
-- Participant side (the year's loaded months): active rows with sumber_iuran DANA_DESA. A
-- person is placed once per month among their DANA_DESA rows (latest tgl_kepesertaan, ties to
-- the smallest kpj), so a village official who also holds a self-paid membership still counts
-- for the desa that pays for them; the placement row's kategori decides the group (PERANGKAT_DESA
-- = officials, any other kategori = vulnerable workers). Counts are of the latest loaded month
-- of the year (periode_akhir); iuran (all the person's active DANA_DESA rows) and person-months
-- are summed over every loaded month of the year. Participants placed in a kelurahan (no APBDes)
-- appear in no row. The per-month figures are computed once, when the month is loaded, into
-- core.fct_dana_desa_month; this file only adds up the year's rows of that table.
--
-- Alerts (thresholds are bound parameters, see ucj.village.THRESHOLDS):
--   setara peserta = premi realisasi / (premi_bulan_setahun * monthly premium), the monthly
--   premium being the larger of the typical premium and the desa's own average monthly iuran of
--   its DANA_DESA participants of the group;
--   premium without participants: realisasi > 0, participants < premi_maks_porsi_peserta *
--   setara and setara - participants >= premi_min_selisih;
--   participants without premium: participants >= tanpa_premi_min_peserta while the group's
--   premium anggaran and realisasi are both 0.
-- Flags are NULL where they cannot be assessed (no APBDes lines, or no month of the year loaded).
{% call(m) each(years_of(scope('tahun_dana_desa')), {'tahun': 0}) %}
SELECT {{ contract_casts('mart_dana_desa_premi') }}
FROM (
    WITH desa AS (
        SELECT a.kode_desa AS kode_wilayah, w.nama AS nama_wilayah, w.kode_kecamatan,
               a.penerima_premi, a.sumber_dana, COUNT(*) AS baris, SUM(a.anggaran) AS anggaran,
               SUM(a.realisasi) AS realisasi
        FROM {{ ref('int_apbdes') }} a
        JOIN {{ ref('dim_wilayah') }} w ON w.kode_wilayah = a.kode_desa
        WHERE a.tahun = {{ m.tahun }} AND a.penerima_premi IS NOT NULL
        GROUP BY a.kode_desa, w.nama, w.kode_kecamatan, a.penerima_premi, a.sumber_dana
    ),
    kecamatan AS (
        SELECT d.kode_kecamatan AS kode_wilayah, w.nama AS nama_wilayah, d.kode_kecamatan,
               d.penerima_premi, d.sumber_dana, SUM(d.baris) AS baris, SUM(d.anggaran) AS anggaran,
               SUM(d.realisasi) AS realisasi
        FROM desa d
        JOIN {{ ref('dim_wilayah') }} w ON w.kode_wilayah = d.kode_kecamatan
        GROUP BY d.kode_kecamatan, w.nama, d.penerima_premi, d.sumber_dana
    ),
    kabupaten AS (
        SELECT w.kode_wilayah, w.nama AS nama_wilayah, CAST(NULL AS VARCHAR) AS kode_kecamatan,
               d.penerima_premi, d.sumber_dana, SUM(d.baris) AS baris, SUM(d.anggaran) AS anggaran,
               SUM(d.realisasi) AS realisasi
        FROM desa d
        CROSS JOIN {{ ref('dim_wilayah') }} w
        WHERE w.tingkat = 'kabupaten'
        GROUP BY w.kode_wilayah, w.nama, d.penerima_premi, d.sumber_dana
    )
    SELECT CAST({{ m.tahun }} AS INTEGER), 'desa', d.* FROM desa d
    UNION ALL
    SELECT CAST({{ m.tahun }} AS INTEGER), 'kecamatan', k.* FROM kecamatan k
    UNION ALL
    SELECT CAST({{ m.tahun }} AS INTEGER), 'kabupaten', b.* FROM kabupaten b
) AS result ({{ contract_columns('mart_dana_desa_premi') }})
{% endcall %}
