-- Alerts that opened in their month (status new when raised) and are not yet sent on a channel.
SELECT a.*
FROM marts.alerts a
LEFT JOIN audit.alert_delivery d ON d.alert_id = a.alert_id AND d.channel = :channel
WHERE a.first_periode = a.periode AND (d.status IS NULL OR d.status <> 'sent')
ORDER BY a.periode, a.rule, a.subject_id;
