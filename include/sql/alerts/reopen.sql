-- Re-running a month first undoes the resolutions that month made.
UPDATE marts.alerts
SET status = CASE WHEN first_periode = periode THEN 'new' ELSE 'ongoing' END,
    resolved_periode = NULL
WHERE subject_type = :subject_type AND resolved_periode = :periode;
