-- A month's participants paid from village funds, per desa (rule as in
-- marts/mart_dana_desa.sql): active rows with sumber_iuran DANA_DESA; a person is placed once
-- among their DANA_DESA rows (latest tgl_kepesertaan, ties to the smallest kpj) and the
-- placement row's kategori decides the group (PERANGKAT_DESA = officials, any other =
-- vulnerable workers); iuran sums all the person's active DANA_DESA rows of the month.
DELETE FROM core.fct_dana_desa_month WHERE periode = :periode;

INSERT INTO core.fct_dana_desa_month (periode, kode_desa, peserta_perangkat, peserta_rentan,
                                      iuran_perangkat, iuran_rentan)
WITH funded AS (
    SELECT person_key, kpj, kode_desa, kategori, tgl_kepesertaan, iuran
    FROM core.fct_participant_month
    WHERE periode = :periode AND is_active AND sumber_iuran = 'DANA_DESA'
),
placed AS (
    SELECT person_key, kode_desa,
           CASE WHEN kategori = 'PERANGKAT_DESA' THEN 1 ELSE 0 END AS perangkat
    FROM (
        SELECT person_key, kode_desa, kategori,
               ROW_NUMBER() OVER (PARTITION BY person_key
                                  ORDER BY tgl_kepesertaan DESC NULLS LAST, kpj) AS placement
        FROM funded
    ) ranked
    WHERE placement = 1
),
paid AS (
    SELECT person_key, SUM(iuran) AS iuran FROM funded GROUP BY person_key
),
persons AS (
    SELECT p.kode_desa,
           COUNT(*) FILTER (WHERE p.perangkat = 1) AS peserta_pp,
           COUNT(*) FILTER (WHERE p.perangkat = 0) AS peserta_pr,
           COALESCE(SUM(i.iuran) FILTER (WHERE p.perangkat = 1), 0) AS iuran_pp,
           COALESCE(SUM(i.iuran) FILTER (WHERE p.perangkat = 0), 0) AS iuran_pr
    FROM placed p
    JOIN paid i ON i.person_key = p.person_key
    GROUP BY p.kode_desa
)
SELECT :periode, w.kode_wilayah, COALESCE(p.peserta_pp, 0), COALESCE(p.peserta_pr, 0),
       COALESCE(p.iuran_pp, 0), COALESCE(p.iuran_pr, 0)
FROM core.dim_wilayah w
LEFT JOIN persons p ON p.kode_desa = w.kode_wilayah
WHERE w.tingkat = 'desa';
