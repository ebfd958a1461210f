-- Delivery state per alert and channel, kept apart from marts.alerts so that recomputing a
-- month's alerts never forgets what was already sent.
CREATE TABLE IF NOT EXISTS audit.alert_delivery (
    alert_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,              -- email, webhook
    status VARCHAR NOT NULL,               -- sent, failed
    attempts INTEGER NOT NULL,
    last_error VARCHAR,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (alert_id, channel)
);
