-- APBDes lines of the years whose Dana Desa marts this run rebuilds.
SELECT * FROM {{ overlay('fct_apbdes', 'tahun', scope('tahun_apbdes')) }} a
WHERE {{ in_list('tahun', scope('tahun_dana_desa')) }}
