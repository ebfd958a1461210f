-- Active persons of the month, each placed once (SOURCES.md: latest tgl_kepesertaan among
-- their active rows, ties to the smallest kpj). The placement rule lives here only: the marts
-- that count persons (coverage, who pays) read these rows.
SELECT periode, person_key, kode_desa, segmen, kategori,
       CAST(memberships AS INTEGER) AS active_memberships, sumber_iuran
FROM (
    SELECT periode, person_key, kode_desa, segmen, kategori, sumber_iuran,
           COUNT(*) OVER (PARTITION BY periode, person_key) AS memberships,
           ROW_NUMBER() OVER (PARTITION BY periode, person_key
                              ORDER BY tgl_kepesertaan DESC NULLS LAST, kpj) AS placement
    FROM {{ ref('fct_participant_month') }}
    WHERE is_active
) ranked
WHERE placement = 1
