-- One row per source and partition: its latest load (audit.run_audit, with this run's), the
-- quarantine share, the validation outcome, how long the batch took and how fresh it is when
-- this mart is rebuilt (refreshed_at; rebuilt by every warehouse run, even one with nothing
-- new). A BI tool wanting it live computes NOW() minus loaded_at or period_end itself.
WITH audit AS {{ overlay('run_audit', 'run_id') }},
ranked AS (
    SELECT a.*,
           ROW_NUMBER() OVER (PARTITION BY a.source, a.partition_value
                              ORDER BY a.loaded_at DESC, a.run_id DESC) AS pick,
           COUNT(*) OVER (PARTITION BY a.source, a.partition_value) AS loads
    FROM audit a
),
latest AS (
    SELECT r.*,
           CASE
               WHEN r.partition_value SIMILAR TO '[0-9]{4}-[0-9]{2}'
                   THEN CAST(CAST(r.partition_value || '-01' AS DATE) + INTERVAL '1 month' AS DATE)
               WHEN r.partition_value SIMILAR TO '[0-9]{4}'
                   THEN CAST(CAST(r.partition_value || '-01-01' AS DATE) + INTERVAL '1 year'
                             AS DATE)
           END AS period_end,
           CAST(CURRENT_TIMESTAMP AS TIMESTAMP) AS refreshed_at
    FROM ranked r
    WHERE r.pick = 1
)
SELECT source, partition_value, source_file, run_id AS last_run_id,
       CAST(loads AS BIGINT) AS loads, loaded_at, rows_read, rows_valid, rows_quarantined,
       rows_loaded,
       CAST(CASE WHEN rows_read > 0 THEN CAST(rows_quarantined AS DOUBLE PRECISION) / rows_read
            END AS DOUBLE PRECISION) AS quarantine_share,
       validation_success, batch_seconds,
       CAST(CASE WHEN batch_seconds > 0 THEN rows_read / batch_seconds END AS DOUBLE PRECISION)
           AS rows_per_second,
       validation_report, data_docs, period_end, refreshed_at,
       CAST(EXTRACT(EPOCH FROM (refreshed_at - loaded_at)) / 3600.0 AS DOUBLE PRECISION)
           AS hours_since_load,
       CAST(CAST(refreshed_at AS DATE) - period_end AS INTEGER) AS days_since_period_end
FROM latest
