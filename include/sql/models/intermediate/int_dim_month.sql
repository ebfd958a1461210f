-- Every loaded month, as the warehouse will hold them after this run.
SELECT * FROM {{ overlay('dim_month', 'periode', scope('periodes')) }} m
