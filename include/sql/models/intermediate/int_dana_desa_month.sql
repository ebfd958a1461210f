-- Per-month DANA_DESA persons of the years whose Dana Desa marts this run rebuilds.
SELECT * FROM {{ overlay('fct_dana_desa_month', 'periode', scope('periodes_baru')) }} d
WHERE {{ in_list('CAST(SUBSTRING(periode, 1, 4) AS INTEGER)', scope('tahun_dana_desa')) }}
