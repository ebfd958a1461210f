-- This run's load record of each partition: the lake manifest's counts beside the rows the
-- build loaded from it (the test rows_loaded_equal_valid fails the build when they differ).
WITH loaded AS (
    SELECT 'enrollment' AS dataset, periode AS partition_value, COUNT(*) AS n
    FROM {{ ref('fct_participant_month') }} GROUP BY periode
    UNION ALL
    SELECT 'registry', _partition, COUNT(*) FROM {{ source('lake', 'lake_registry') }}
    GROUP BY _partition
    UNION ALL
    SELECT 'village_budget', CAST(tahun AS VARCHAR), COUNT(*) FROM {{ ref('fct_apbdes') }}
    GROUP BY tahun
    {%- for t in ['tenaga_kerja_desa', 'non_asn', 'umk'] %}
    UNION ALL
    -- a reference partition may hold several years (tahun=all): counted by partition
    SELECT '{{ t }}', _partition, COUNT(*) FROM {{ source('lake', 'lake_' ~ t) }}
    GROUP BY _partition
    {%- endfor %}
),
runs AS (
    SELECT * FROM {{ source('lake', 'lake_run_audit') }}
)
SELECT CAST(r.run_id AS VARCHAR) AS run_id, CAST(r.source AS VARCHAR) AS source,
       CAST(r.partition_value AS VARCHAR) AS partition_value,
       CAST(r.source_file AS VARCHAR) AS source_file, CAST(r.rows_read AS BIGINT) AS rows_read,
       CAST(r.rows_valid AS BIGINT) AS rows_valid,
       CAST(r.rows_quarantined AS BIGINT) AS rows_quarantined,
       CAST(COALESCE(l.n, 0) AS BIGINT) AS rows_loaded,
       CAST(r.validation_success AS BOOLEAN) AS validation_success,
       CAST(r.validation_report AS VARCHAR) AS validation_report,
       CAST(CURRENT_TIMESTAMP AS TIMESTAMP) AS loaded_at,
       CAST(r.data_docs AS VARCHAR) AS data_docs,
       CAST(r.batch_seconds AS DOUBLE PRECISION) AS batch_seconds
FROM runs r
LEFT JOIN loaded l ON l.dataset = r.dataset AND l.partition_value = r.partition_value
