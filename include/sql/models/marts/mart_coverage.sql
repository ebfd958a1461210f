-- UCJ coverage = active persons placed in the area / sum of penduduk_bekerja of its desa and
-- kelurahan (reference year of the month). Kecamatan and kabupaten sum numerators and
-- denominators of their desa; ratios are never averaged.
--
-- A roll-up sums both sides over the same desa: those with a penduduk_bekerja in the
-- reference year (desa_penyebut of desa_wilayah). Persons placed in a desa or kelurahan
-- without one (a reference row quarantined, a desa missing from the delivered year, or no
-- reference year at all) are kept out of the roll-up's peserta_aktif and its segmen and
-- kategori counts and counted in peserta_tanpa_penyebut instead: added to the numerator they
-- would raise the ratio of an area whose denominator lacks their desa. On its own desa row
-- such a desa keeps its persons in peserta_aktif, with coverage NULL.
{% call(m) each(scope('months')) %}
SELECT {{ contract_casts('mart_coverage') }}
FROM (
    WITH month AS (
        SELECT periode, tahun_ref_tenaga_kerja AS tahun_ref FROM {{ ref('int_dim_month') }} WHERE periode = {{ literal(m.periode) }}
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
        FROM {{ ref('int_person_month') }}
        WHERE periode = {{ literal(m.periode) }}
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
               COALESCE(p.peserta_lainnya, 0) AS peserta_lainnya,
               CASE WHEN r.penduduk_bekerja IS NULL THEN 0 ELSE 1 END AS desa_penyebut,
               1 AS desa_wilayah,
               CASE WHEN r.penduduk_bekerja IS NULL THEN COALESCE(p.peserta_aktif, 0) ELSE 0 END
                   AS peserta_tanpa_penyebut
        FROM {{ ref('dim_wilayah') }} w
        CROSS JOIN month m
        LEFT JOIN {{ ref('int_ref_tenaga_kerja_desa') }} r
               ON r.kode_desa = w.kode_wilayah AND r.tahun = m.tahun_ref
        LEFT JOIN persons p ON p.kode_desa = w.kode_wilayah
        WHERE w.tingkat IN ('desa', 'kelurahan')
    ),
    -- Numerators over the desa with a denominator only (COALESCE: none of them is 0 persons).
    kecamatan AS (
        SELECT d.periode, 'kecamatan' AS tingkat, d.kode_kecamatan AS kode_wilayah,
               MIN(d.nama_kecamatan) AS nama_wilayah, d.kode_kecamatan,
               MIN(d.nama_kecamatan) AS nama_kecamatan, MIN(d.tahun_referensi) AS tahun_referensi,
               COALESCE(SUM(d.peserta_aktif) FILTER (WHERE d.desa_penyebut = 1), 0)
                   AS peserta_aktif,
               SUM(d.penduduk_bekerja) AS penduduk_bekerja,
               COALESCE(SUM(d.peserta_pu) FILTER (WHERE d.desa_penyebut = 1), 0) AS peserta_pu,
               COALESCE(SUM(d.peserta_bpu) FILTER (WHERE d.desa_penyebut = 1), 0) AS peserta_bpu,
               COALESCE(SUM(d.peserta_jakon) FILTER (WHERE d.desa_penyebut = 1), 0)
                   AS peserta_jakon,
               COALESCE(SUM(d.peserta_pmi) FILTER (WHERE d.desa_penyebut = 1), 0) AS peserta_pmi,
               COALESCE(SUM(d.peserta_swasta) FILTER (WHERE d.desa_penyebut = 1), 0)
                   AS peserta_swasta,
               COALESCE(SUM(d.peserta_non_asn) FILTER (WHERE d.desa_penyebut = 1), 0)
                   AS peserta_non_asn,
               COALESCE(SUM(d.peserta_perangkat_desa) FILTER (WHERE d.desa_penyebut = 1), 0)
                   AS peserta_perangkat_desa,
               COALESCE(SUM(d.peserta_pekerja_rentan) FILTER (WHERE d.desa_penyebut = 1), 0)
                   AS peserta_pekerja_rentan,
               COALESCE(SUM(d.peserta_lainnya) FILTER (WHERE d.desa_penyebut = 1), 0)
                   AS peserta_lainnya,
               SUM(d.desa_penyebut) AS desa_penyebut, SUM(d.desa_wilayah) AS desa_wilayah,
               SUM(d.peserta_tanpa_penyebut) AS peserta_tanpa_penyebut
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
               SUM(k.peserta_lainnya) AS peserta_lainnya,
               SUM(k.desa_penyebut) AS desa_penyebut, SUM(k.desa_wilayah) AS desa_wilayah,
               SUM(k.peserta_tanpa_penyebut) AS peserta_tanpa_penyebut
        FROM kecamatan k
        CROSS JOIN {{ ref('dim_wilayah') }} w
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
           peserta_perangkat_desa, peserta_pekerja_rentan, peserta_lainnya, desa_penyebut,
           desa_wilayah, peserta_tanpa_penyebut
    FROM areas
) AS result ({{ contract_columns('mart_coverage') }})
{% endcall %}
