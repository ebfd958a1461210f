-- Initiatives over time (issue 18, item 2): active persons per area, month and who pays
-- (sumber_iuran), with the month before. Each person counts once, by the sumber_iuran of
-- their placement row (core.fct_person_month: latest tgl_kepesertaan among their active rows,
-- ties to the smallest kpj), so the six rows of an area add up to its persons; kecamatan and
-- kabupaten rows sum their desa and kelurahan. The month before is NULL when it is not loaded.
{% call(m) each(scope('months')) %}
SELECT {{ contract_casts('mart_inisiatif_iuran') }}
FROM (
    WITH placed AS (
        SELECT periode, kode_desa, sumber_iuran
        FROM {{ ref('int_person_month') }}
        WHERE periode IN ({{ literal(m.periode) }}, {{ literal(m.prev_periode) }})
    ),
    counted AS (
        SELECT kode_desa, sumber_iuran,
               COUNT(*) FILTER (WHERE periode = {{ literal(m.periode) }}) AS peserta_aktif,
               COUNT(*) FILTER (WHERE periode = {{ literal(m.prev_periode) }}) AS peserta_bulan_lalu
        FROM placed
        GROUP BY kode_desa, sumber_iuran
    ),
    prev_loaded AS (
        SELECT COUNT(*) > 0 AS loaded FROM {{ ref('int_dim_month') }}
        WHERE periode = {{ literal(m.prev_periode) }}
    ),
    sumber AS (
        SELECT 'APBD_KABUPATEN' AS sumber_iuran UNION ALL SELECT 'APBD_PROVINSI'
        UNION ALL SELECT 'DANA_DESA' UNION ALL SELECT 'CSR'
        UNION ALL SELECT 'PEMBERI_KERJA' UNION ALL SELECT 'MANDIRI'
    ),
    desa AS (
        SELECT w.tingkat, w.kode_wilayah, w.nama AS nama_wilayah, w.kode_kecamatan,
               w.nama_kecamatan, s.sumber_iuran,
               COALESCE(c.peserta_aktif, 0) AS peserta_aktif,
               CASE WHEN p.loaded THEN COALESCE(c.peserta_bulan_lalu, 0) END AS peserta_bulan_lalu
        FROM {{ ref('dim_wilayah') }} w
        CROSS JOIN sumber s
        CROSS JOIN prev_loaded p
        LEFT JOIN counted c ON c.kode_desa = w.kode_wilayah AND c.sumber_iuran = s.sumber_iuran
        WHERE w.tingkat IN ('desa', 'kelurahan')
    ),
{{ roll_up(after=['sumber_iuran'], measures=[
        ('peserta_aktif', 'SUM(d.peserta_aktif)'),
        ('peserta_bulan_lalu', 'SUM(d.peserta_bulan_lalu)')]) }},
    areas AS (
        SELECT * FROM desa
        UNION ALL SELECT * FROM kecamatan
        UNION ALL SELECT * FROM kabupaten
    )
    SELECT {{ literal(m.periode) }}, tingkat, kode_wilayah, nama_wilayah, kode_kecamatan,
           nama_kecamatan, sumber_iuran, peserta_aktif, peserta_bulan_lalu,
           peserta_aktif - peserta_bulan_lalu
    FROM areas
) AS result ({{ contract_columns('mart_inisiatif_iuran') }})
{% endcall %}
