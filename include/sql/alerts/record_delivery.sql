DELETE FROM audit.alert_delivery WHERE alert_id = :alert_id AND channel = :channel;

INSERT INTO audit.alert_delivery (alert_id, channel, status, attempts, last_error, updated_at)
VALUES (:alert_id, :channel, :status, :attempts, :last_error, CURRENT_TIMESTAMP);
