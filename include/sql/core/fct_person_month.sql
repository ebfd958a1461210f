-- Active persons of the month, each placed once (SOURCES.md: latest tgl_kepesertaan among
-- their active rows, ties to the smallest kpj).
DELETE FROM core.fct_person_month WHERE periode = :periode;

INSERT INTO core.fct_person_month (periode, person_key, kode_desa, segmen, kategori,
                                   active_memberships)
SELECT periode, person_key, kode_desa, segmen, kategori, memberships
FROM (
    SELECT periode, person_key, kode_desa, segmen, kategori,
           COUNT(*) OVER (PARTITION BY person_key) AS memberships,
           ROW_NUMBER() OVER (PARTITION BY person_key
                              ORDER BY tgl_kepesertaan DESC NULLS LAST, kpj) AS placement
    FROM core.fct_participant_month
    WHERE periode = :periode AND is_active
) ranked
WHERE placement = 1;
