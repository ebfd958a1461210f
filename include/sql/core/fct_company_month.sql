-- Each company the registry knows by the month's end beside its active PU participants in
-- the month.
DELETE FROM core.fct_company_month WHERE periode = :periode;

INSERT INTO core.fct_company_month
WITH month AS (
    SELECT umk FROM core.dim_month WHERE periode = :periode
),
previous_loaded AS (
    SELECT COUNT(*) AS n FROM core.dim_month WHERE periode = :prev_periode
),
-- core.dim_company holds each registry record under its updated_at (valid_from). Which date
-- answers what (docs/compliance.md, "Which registry date answers a month"):
-- * identity and status (npp, skala_usaha, kode_desa, status_usaha, name): the record current
--   at the month's end; before its first record the company is answered by that first record
--   from the moment it first appears (its earliest report date or record change), so a
--   company extracted for the first time after an address edit still has its earlier months;
-- * headcount (jumlah_tk_wlkp): the latest WLKP report dated by the month's end (its
--   tgl_lapor_wlkp; a report without a date counts from its record's change), whichever record
--   carried it and whenever that record was extracted. Records carrying the same report date
--   (a correction) answer as the registry was: the one current at the month's end, else the
--   first that carried it.
first_seen AS (
    SELECT nib, MIN(valid_from) AS first_record,
           MIN(LEAST(COALESCE(CAST(tgl_lapor_wlkp AS TIMESTAMP), valid_from), valid_from))
               AS first_seen
    FROM core.dim_company
    GROUP BY nib
),
identity AS (
    SELECT d.* FROM core.dim_company d
    JOIN first_seen f ON f.nib = d.nib
    WHERE f.first_seen < :next_month_start
      AND (d.valid_from < :next_month_start OR d.valid_from = f.first_record)
      AND (d.valid_to IS NULL OR d.valid_to >= :next_month_start)
),
reports AS (
    SELECT nib, jumlah_tk_wlkp, valid_from,
           COALESCE(CAST(tgl_lapor_wlkp AS TIMESTAMP), valid_from) AS reported
    FROM core.dim_company
),
report AS (
    SELECT nib, jumlah_tk_wlkp FROM (
        SELECT nib, jumlah_tk_wlkp,
               ROW_NUMBER() OVER (
                   PARTITION BY nib ORDER BY reported DESC,
                   CASE WHEN valid_from < :next_month_start THEN 0 ELSE 1 END,
                   CASE WHEN valid_from < :next_month_start THEN valid_from END DESC NULLS LAST,
                   valid_from) AS k
        FROM reports WHERE reported < :next_month_start
    ) r WHERE k = 1
),
report_prev AS (
    SELECT nib, jumlah_tk_wlkp FROM (
        SELECT nib, jumlah_tk_wlkp,
               ROW_NUMBER() OVER (
                   PARTITION BY nib ORDER BY reported DESC,
                   CASE WHEN valid_from < :month_start THEN 0 ELSE 1 END,
                   CASE WHEN valid_from < :month_start THEN valid_from END DESC NULLS LAST,
                   valid_from) AS k
        FROM reports WHERE reported < :month_start
    ) r WHERE k = 1
),
company AS (
    SELECT i.nib, i.valid_from, i.npp, i.skala_usaha, i.status_usaha, i.kode_desa,
           r.jumlah_tk_wlkp
    FROM identity i
    LEFT JOIN report r ON r.nib = i.nib
),
company_prev AS (
    SELECT nib, jumlah_tk_wlkp FROM report_prev
),
workers AS (
    SELECT p.npp,
           COUNT(DISTINCT p.person_key) AS peserta,
           COUNT(*) AS kartu,
           PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY p.upah) AS upah_median,
           MIN(p.upah) AS upah_min,
           COUNT(*) FILTER (WHERE p.upah <= m.umk * (1 + :umk_tolerance)) AS upah_le_umk,
           COUNT(*) FILTER (WHERE NOT p.has_jkk) AS tanpa_jkk,
           COUNT(*) FILTER (WHERE NOT p.has_jkm) AS tanpa_jkm,
           COUNT(*) FILTER (WHERE NOT p.has_jht) AS tanpa_jht,
           COUNT(*) FILTER (WHERE NOT p.has_jp) AS tanpa_jp
    FROM core.fct_participant_month p
    CROSS JOIN month m
    WHERE p.periode = :periode AND p.is_active AND p.segmen = 'PU' AND p.npp IS NOT NULL
    GROUP BY p.npp
),
workers_prev AS (
    SELECT npp, COUNT(DISTINCT person_key) AS peserta
    FROM core.fct_participant_month
    WHERE periode = :prev_periode AND is_active AND segmen = 'PU' AND npp IS NOT NULL
    GROUP BY npp
),
-- Rotation: a person deactivated at the npp and registered again there with a new kpj this
-- month, within the window after the deactivation.
rotation AS (
    SELECT a.npp, COUNT(DISTINCT a.person_key) AS didaftarkan_ulang
    FROM core.fct_participant_month a
    JOIN core.fct_participant_month n
      ON n.periode = a.periode AND n.person_key = a.person_key AND n.npp = a.npp
     AND n.kpj <> a.kpj
    WHERE a.periode = :periode AND a.is_active AND a.segmen = 'PU'
      AND a.tgl_kepesertaan >= :month_start AND a.tgl_kepesertaan < :next_month_start
      AND NOT n.is_active
      AND n.tgl_nonaktif <= a.tgl_kepesertaan
      AND n.tgl_nonaktif >= a.tgl_kepesertaan - :rotation_window_days
    GROUP BY a.npp
)
SELECT :periode, c.nib, c.valid_from, c.npp, c.skala_usaha, c.status_usaha, c.kode_desa,
       c.jumlah_tk_wlkp, cp.jumlah_tk_wlkp,
       COALESCE(w.peserta, 0),
       CASE WHEN (SELECT n FROM previous_loaded) > 0 THEN COALESCE(wp.peserta, 0) END,
       COALESCE(w.kartu, 0), (SELECT umk FROM month), w.upah_median, w.upah_min,
       COALESCE(w.upah_le_umk, 0), COALESCE(w.tanpa_jkk, 0), COALESCE(w.tanpa_jkm, 0),
       COALESCE(w.tanpa_jht, 0), COALESCE(w.tanpa_jp, 0), COALESCE(r.didaftarkan_ulang, 0)
FROM company c
LEFT JOIN company_prev cp ON cp.nib = c.nib
LEFT JOIN workers w ON w.npp = c.npp
LEFT JOIN workers_prev wp ON wp.npp = c.npp
LEFT JOIN rotation r ON r.npp = c.npp;
