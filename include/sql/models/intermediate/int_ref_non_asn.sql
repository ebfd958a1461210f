-- Every reference year, as the warehouse will hold them after this run.
SELECT * FROM {{ overlay('ref_non_asn', 'tahun', scope('ref_tahun')['non_asn']) }} r
