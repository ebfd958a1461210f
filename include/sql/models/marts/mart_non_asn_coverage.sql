-- Non-ASN coverage of an agency = distinct active persons with kategori NON_ASN at the
-- agency's npp / jumlah_non_asn on its roster (reference year of the month).
{% call(m) each(scope('months')) %}
SELECT {{ contract_casts('mart_non_asn_coverage') }}
FROM (
    WITH month AS (
        SELECT periode, tahun_ref_non_asn AS tahun_ref FROM {{ ref('int_dim_month') }} WHERE periode = {{ literal(m.periode) }}
    ),
    staff AS (
        SELECT npp, COUNT(DISTINCT person_key) AS non_asn_aktif
        FROM {{ ref('int_participant_month') }}
        WHERE periode = {{ literal(m.periode) }} AND is_active AND kategori = 'NON_ASN'
        GROUP BY npp
    )
    SELECT m.periode, a.kode_opd, a.nama_opd, a.npp, m.tahun_ref,
           COALESCE(s.non_asn_aktif, 0),
           a.jumlah_non_asn,
           CAST(COALESCE(s.non_asn_aktif, 0) AS DOUBLE PRECISION) / NULLIF(a.jumlah_non_asn, 0)
    FROM {{ ref('int_ref_non_asn') }} a
    JOIN month m ON a.tahun = m.tahun_ref
    LEFT JOIN staff s ON s.npp = a.npp
) AS result ({{ contract_columns('mart_non_asn_coverage') }})
{% endcall %}
