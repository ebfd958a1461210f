-- Every reference year, as the warehouse will hold them after this run.
SELECT * FROM {{ overlay('ref_umk', 'tahun', scope('ref_tahun')['umk']) }} r
