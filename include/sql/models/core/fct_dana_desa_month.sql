-- A month's participants paid from village funds, per desa (rule as in
-- marts/mart_dana_desa.sql): active rows with sumber_iuran DANA_DESA; a person is placed once
-- among their DANA_DESA rows (latest tgl_kepesertaan, ties to the smallest kpj) and the
-- placement row's kategori decides the group (PERANGKAT_DESA = officials, any other =
-- vulnerable workers); iuran sums all the person's active DANA_DESA rows of the month. Every
-- desa of the wilayah has a row per month (zeros included), so mart_dana_desa adds up a
-- year's rows instead of re-reading its months.
-- One pass over the month: the placement and the person's sum share one window, so no
-- CTE is read twice (PostgreSQL planned that self-join on a CTE it could not estimate as a
-- nested loop: 7-12 s of a 13-22 s month in benchmarks/load_bench.py --by-model).
WITH placed AS (
    SELECT periode, kode_desa, iuran,
           CASE WHEN kategori = 'PERANGKAT_DESA' THEN 1 ELSE 0 END AS perangkat
    FROM (
        SELECT periode, kode_desa, kategori,
               SUM(iuran) OVER (PARTITION BY periode, person_key) AS iuran,
               ROW_NUMBER() OVER (PARTITION BY periode, person_key
                                  ORDER BY tgl_kepesertaan DESC NULLS LAST, kpj) AS placement
        FROM {{ ref('fct_participant_month') }}
        WHERE is_active AND sumber_iuran = 'DANA_DESA'
    ) ranked
    WHERE placement = 1
),
persons AS (
    SELECT periode, kode_desa,
           COUNT(*) FILTER (WHERE perangkat = 1) AS peserta_pp,
           COUNT(*) FILTER (WHERE perangkat = 0) AS peserta_pr,
           COALESCE(SUM(iuran) FILTER (WHERE perangkat = 1), 0) AS iuran_pp,
           COALESCE(SUM(iuran) FILTER (WHERE perangkat = 0), 0) AS iuran_pr
    FROM placed
    GROUP BY periode, kode_desa
),
months AS (
    {{ values_of(scope('periodes_baru'), 'periode', 'VARCHAR') }}
)
SELECT m.periode, w.kode_wilayah AS kode_desa,
       CAST(COALESCE(p.peserta_pp, 0) AS BIGINT) AS peserta_perangkat,
       CAST(COALESCE(p.peserta_pr, 0) AS BIGINT) AS peserta_rentan,
       CAST(COALESCE(p.iuran_pp, 0) AS DECIMAL(38, 2)) AS iuran_perangkat,
       CAST(COALESCE(p.iuran_pr, 0) AS DECIMAL(38, 2)) AS iuran_rentan
FROM months m
CROSS JOIN {{ ref('dim_wilayah') }} w
LEFT JOIN persons p ON p.periode = m.periode AND p.kode_desa = w.kode_wilayah
WHERE w.tingkat = 'desa'
