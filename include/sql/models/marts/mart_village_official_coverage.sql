-- Village-official coverage of a desa = active persons with kategori PERANGKAT_DESA placed in
-- it / jumlah_perangkat_desa. The placement rule is applied among each person's active
-- PERANGKAT_DESA rows, so an official who also holds another membership still counts for the
-- village that registered them. Not defined for kelurahan.
--
-- As in mart_coverage.sql, a roll-up sums both sides over the same desa: those with a
-- jumlah_perangkat_desa in the reference year (desa_penyebut of desa_wilayah); officials
-- placed in a desa without one are counted in perangkat_tanpa_penyebut, not in the roll-up's
-- perangkat_aktif. On its own desa row such a desa keeps them in perangkat_aktif, coverage NULL.
{% call(m) each(scope('months')) %}
SELECT {{ contract_casts('mart_village_official_coverage') }}
FROM (
    WITH month AS (
        SELECT periode, tahun_ref_tenaga_kerja AS tahun_ref FROM {{ ref('int_dim_month') }} WHERE periode = {{ literal(m.periode) }}
    ),
    placed AS (
        SELECT kode_desa
        FROM (
            SELECT person_key, kode_desa,
                   ROW_NUMBER() OVER (PARTITION BY person_key
                                      ORDER BY tgl_kepesertaan DESC NULLS LAST, kpj) AS placement
            FROM {{ ref('int_participant_month') }}
            WHERE periode = {{ literal(m.periode) }} AND is_active AND kategori = 'PERANGKAT_DESA'
        ) ranked
        WHERE placement = 1
    ),
    officials AS (
        SELECT kode_desa, COUNT(*) AS perangkat_aktif FROM placed GROUP BY kode_desa
    ),
    desa AS (
        SELECT m.periode, 'desa' AS tingkat, w.kode_wilayah, w.nama AS nama_wilayah,
               w.kode_kecamatan, m.tahun_ref AS tahun_referensi,
               COALESCE(o.perangkat_aktif, 0) AS perangkat_aktif, r.jumlah_perangkat_desa,
               CASE WHEN r.jumlah_perangkat_desa IS NULL THEN 0 ELSE 1 END AS desa_penyebut,
               1 AS desa_wilayah,
               CASE WHEN r.jumlah_perangkat_desa IS NULL THEN COALESCE(o.perangkat_aktif, 0)
                    ELSE 0 END AS perangkat_tanpa_penyebut
        FROM {{ ref('dim_wilayah') }} w
        CROSS JOIN month m
        LEFT JOIN {{ ref('int_ref_tenaga_kerja_desa') }} r
               ON r.kode_desa = w.kode_wilayah AND r.tahun = m.tahun_ref
        LEFT JOIN officials o ON o.kode_desa = w.kode_wilayah
        WHERE w.tingkat = 'desa'
    ),
{{ roll_up(before=['periode'], nama_kecamatan=false, measures=[
        ('tahun_referensi', 'MIN(d.tahun_referensi)'),
        ('perangkat_aktif', with_denominator('perangkat_aktif')),
        ('jumlah_perangkat_desa', 'SUM(d.jumlah_perangkat_desa)'),
        ('desa_penyebut', 'SUM(d.desa_penyebut)'), ('desa_wilayah', 'SUM(d.desa_wilayah)'),
        ('perangkat_tanpa_penyebut', 'SUM(d.perangkat_tanpa_penyebut)')]) }},
    areas AS (
        SELECT * FROM desa UNION ALL SELECT * FROM kecamatan UNION ALL SELECT * FROM kabupaten
    )
    SELECT periode, tingkat, kode_wilayah, nama_wilayah, kode_kecamatan, tahun_referensi,
           perangkat_aktif, jumlah_perangkat_desa,
           CAST(perangkat_aktif AS DOUBLE PRECISION) / NULLIF(jumlah_perangkat_desa, 0) AS coverage,
           desa_penyebut, desa_wilayah, perangkat_tanpa_penyebut
    FROM areas
) AS result ({{ contract_columns('mart_village_official_coverage') }})
{% endcall %}
