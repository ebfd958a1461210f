-- Alerts of the previous month whose condition no longer holds are resolved by this month.
UPDATE marts.alerts
SET status = 'resolved', resolved_periode = :periode
WHERE subject_type = :subject_type AND periode = :prev_periode
  AND NOT EXISTS (
      SELECT 1 FROM marts.alerts cur
      WHERE cur.subject_type = :subject_type AND cur.periode = :periode
        AND cur.rule = marts.alerts.rule AND cur.subject_id = marts.alerts.subject_id
  );
