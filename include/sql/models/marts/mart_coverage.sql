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
{%- set counts_with_denominator = [] %}
{%- for c in ['peserta_pu', 'peserta_bpu', 'peserta_jakon', 'peserta_pmi', 'peserta_swasta',
              'peserta_non_asn', 'peserta_perangkat_desa', 'peserta_pekerja_rentan',
              'peserta_lainnya'] %}
{%- do counts_with_denominator.append((c, with_denominator(c))) %}
{%- endfor %}
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
{{ roll_up(before=['periode'], measures=[
        ('tahun_referensi', 'MIN(d.tahun_referensi)'),
        ('peserta_aktif', with_denominator('peserta_aktif')),
        ('penduduk_bekerja', 'SUM(d.penduduk_bekerja)')]
      + counts_with_denominator
      + [('desa_penyebut', 'SUM(d.desa_penyebut)'), ('desa_wilayah', 'SUM(d.desa_wilayah)'),
         ('peserta_tanpa_penyebut', 'SUM(d.peserta_tanpa_penyebut)')]) }},
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
