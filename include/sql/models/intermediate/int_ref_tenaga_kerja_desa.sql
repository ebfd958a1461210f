-- Every reference year, as the warehouse will hold them after this run.
SELECT * FROM {{ overlay('ref_tenaga_kerja_desa', 'tahun', scope('ref_tahun')['tenaga_kerja_desa']) }} r
