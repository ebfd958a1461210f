SELECT CAST(tahun AS INTEGER) AS tahun, CAST(umk AS DECIMAL(18, 2)) AS umk
FROM {{ source('lake', 'lake_umk') }}
