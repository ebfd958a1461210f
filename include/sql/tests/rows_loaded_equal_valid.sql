-- Every row the lake holds as valid for a partition was loaded, no more and no fewer (the
-- audit's read = valid + quarantined holds by its check; this closes the chain to core).
SELECT source, partition_value, rows_valid, rows_loaded
FROM {{ ref('run_audit') }}
WHERE rows_loaded <> rows_valid
