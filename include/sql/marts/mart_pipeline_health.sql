-- One row per source and partition: its latest load (audit.run_audit), the quarantine share,
-- the validation outcome, how long the batch took and how fresh it is when this mart is
-- rebuilt (refreshed_at). Freshness is measured at refresh time; a BI tool wanting it live
-- computes NOW() minus loaded_at or period_end itself.
DELETE FROM marts.mart_pipeline_health;

INSERT INTO marts.mart_pipeline_health (
    source, partition_value, source_file, last_run_id, loads, loaded_at, rows_read, rows_valid,
    rows_quarantined, rows_loaded, quarantine_share, validation_success, batch_seconds,
    rows_per_second, validation_report, data_docs, period_end, refreshed_at, hours_since_load,
    days_since_period_end)
WITH ranked AS (
    SELECT a.*,
           ROW_NUMBER() OVER (PARTITION BY a.source, a.partition_value
                              ORDER BY a.loaded_at DESC, a.run_id DESC) AS pick,
           COUNT(*) OVER (PARTITION BY a.source, a.partition_value) AS loads
    FROM audit.run_audit a
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
SELECT source, partition_value, source_file, run_id, loads, loaded_at, rows_read, rows_valid,
       rows_quarantined, rows_loaded,
       CASE WHEN rows_read > 0 THEN CAST(rows_quarantined AS DOUBLE PRECISION) / rows_read END,
       validation_success, batch_seconds,
       CASE WHEN batch_seconds > 0 THEN rows_read / batch_seconds END,
       validation_report, data_docs, period_end, refreshed_at,
       EXTRACT(EPOCH FROM (refreshed_at - loaded_at)) / 3600.0,
       CAST(CAST(refreshed_at AS DATE) - period_end AS INTEGER)
FROM latest;
