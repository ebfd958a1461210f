-- Every company version, as the warehouse will hold them after this run.
SELECT * FROM {{ overlay('dim_company', 'nib') }} c
