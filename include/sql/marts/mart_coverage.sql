-- UCJ coverage = active persons placed in the area / sum of penduduk_bekerja of its desa and
-- kelurahan (reference year of the month). Kecamatan and kabupaten sum numerators and
-- denominators of their desa; ratios are never averaged.
DELETE FROM marts.mart_coverage WHERE periode = :periode;

INSERT INTO marts.mart_coverage
WITH month AS (
    SELECT periode, tahun_ref_tenaga_kerja AS tahun_ref FROM core.dim_month WHERE periode = :periode
),
persons AS (
    SELECT kode_desa,
           COUNT(*) AS peserta_aktif,
           COUNT(*) FILTER (WHERE segmen = 'PU') AS peserta_pu,
           COUNT(*) FILTER (WHERE segmen = 'BPU') AS peserta_bpu,
           COUNT(*) FILTER (WHERE segmen = 'JAKON') AS peserta_jakon,
           COUNT(*) FILTER (WHERE segmen = 'PMI') AS peserta_pmi,
           COUNT(*) FILTER (WHERE kategori = 'SWASTA') AS peserta_swasta,
           COUNT(*) FILTER (WHERE kategori = 'NON_ASN') AS peserta_non_asn,
           COUNT(*) FILTER (WHERE kategori = 'PERANGKAT_DESA') AS peserta_perangkat_desa,
           COUNT(*) FILTER (WHERE kategori = 'PEKERJA_RENTAN') AS peserta_pekerja_rentan,
           COUNT(*) FILTER (WHERE kategori = 'LAINNYA') AS peserta_lainnya
    FROM core.fct_person_month
    WHERE periode = :periode
    GROUP BY kode_desa
),
desa AS (
    SELECT m.periode, w.tingkat, w.kode_wilayah, w.nama AS nama_wilayah, w.kode_kecamatan,
           w.nama_kecamatan, m.tahun_ref AS tahun_referensi,
           COALESCE(p.peserta_aktif, 0) AS peserta_aktif,
           r.penduduk_bekerja,
           COALESCE(p.peserta_pu, 0) AS peserta_pu, COALESCE(p.peserta_bpu, 0) AS peserta_bpu,
           COALESCE(p.peserta_jakon, 0) AS peserta_jakon,
           COALESCE(p.peserta_pmi, 0) AS peserta_pmi,
           COALESCE(p.peserta_swasta, 0) AS peserta_swasta,
           COALESCE(p.peserta_non_asn, 0) AS peserta_non_asn,
           COALESCE(p.peserta_perangkat_desa, 0) AS peserta_perangkat_desa,
           COALESCE(p.peserta_pekerja_rentan, 0) AS peserta_pekerja_rentan,
           COALESCE(p.peserta_lainnya, 0) AS peserta_lainnya
    FROM core.dim_wilayah w
    CROSS JOIN month m
    LEFT JOIN core.ref_tenaga_kerja_desa r
           ON r.kode_desa = w.kode_wilayah AND r.tahun = m.tahun_ref
    LEFT JOIN persons p ON p.kode_desa = w.kode_wilayah
    WHERE w.tingkat IN ('desa', 'kelurahan')
),
kecamatan AS (
    SELECT d.periode, 'kecamatan' AS tingkat, d.kode_kecamatan AS kode_wilayah,
           MIN(d.nama_kecamatan) AS nama_wilayah, d.kode_kecamatan,
           MIN(d.nama_kecamatan) AS nama_kecamatan, MIN(d.tahun_referensi) AS tahun_referensi,
           SUM(d.peserta_aktif) AS peserta_aktif, SUM(d.penduduk_bekerja) AS penduduk_bekerja,
           SUM(d.peserta_pu) AS peserta_pu, SUM(d.peserta_bpu) AS peserta_bpu,
           SUM(d.peserta_jakon) AS peserta_jakon, SUM(d.peserta_pmi) AS peserta_pmi,
           SUM(d.peserta_swasta) AS peserta_swasta, SUM(d.peserta_non_asn) AS peserta_non_asn,
           SUM(d.peserta_perangkat_desa) AS peserta_perangkat_desa,
           SUM(d.peserta_pekerja_rentan) AS peserta_pekerja_rentan,
           SUM(d.peserta_lainnya) AS peserta_lainnya
    FROM desa d
    GROUP BY d.periode, d.kode_kecamatan
),
kabupaten AS (
    SELECT k.periode, 'kabupaten' AS tingkat, w.kode_wilayah, w.nama AS nama_wilayah,
           CAST(NULL AS VARCHAR) AS kode_kecamatan, CAST(NULL AS VARCHAR) AS nama_kecamatan,
           MIN(k.tahun_referensi) AS tahun_referensi,
           SUM(k.peserta_aktif) AS peserta_aktif, SUM(k.penduduk_bekerja) AS penduduk_bekerja,
           SUM(k.peserta_pu) AS peserta_pu, SUM(k.peserta_bpu) AS peserta_bpu,
           SUM(k.peserta_jakon) AS peserta_jakon, SUM(k.peserta_pmi) AS peserta_pmi,
           SUM(k.peserta_swasta) AS peserta_swasta, SUM(k.peserta_non_asn) AS peserta_non_asn,
           SUM(k.peserta_perangkat_desa) AS peserta_perangkat_desa,
           SUM(k.peserta_pekerja_rentan) AS peserta_pekerja_rentan,
           SUM(k.peserta_lainnya) AS peserta_lainnya
    FROM kecamatan k
    CROSS JOIN core.dim_wilayah w
    WHERE w.tingkat = 'kabupaten'
    GROUP BY k.periode, w.kode_wilayah, w.nama
),
areas AS (
    SELECT * FROM desa
    UNION ALL SELECT * FROM kecamatan
    UNION ALL SELECT * FROM kabupaten
)
SELECT periode, tingkat, kode_wilayah, nama_wilayah, kode_kecamatan, nama_kecamatan,
       tahun_referensi, peserta_aktif, penduduk_bekerja,
       CAST(peserta_aktif AS DOUBLE PRECISION) / NULLIF(penduduk_bekerja, 0) AS coverage,
       peserta_pu, peserta_bpu, peserta_jakon, peserta_pmi, peserta_swasta, peserta_non_asn,
       peserta_perangkat_desa, peserta_pekerja_rentan, peserta_lainnya
FROM areas;
