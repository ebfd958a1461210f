-- Village-official coverage of every loaded month, as the warehouse will hold it after this
-- run (mart_dana_desa reads the latest month of its year).
SELECT * FROM {{ overlay('mart_village_official_coverage', 'periode', scope('periodes')) }} o
WHERE {{ in_list('CAST(SUBSTRING(periode, 1, 4) AS INTEGER)', scope('tahun_dana_desa')) }}
