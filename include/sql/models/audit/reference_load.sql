-- Which lake version (checksum) of each partition the warehouse holds after this run: a
-- partition whose checksum is held is not loaded again.
SELECT CAST(dataset AS VARCHAR) AS dataset, CAST(partition_value AS VARCHAR) AS partition_value,
       CAST(checksum AS VARCHAR) AS checksum
FROM {{ source('lake', 'lake_reference_load') }}
