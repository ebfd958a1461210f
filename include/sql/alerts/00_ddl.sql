-- Alerts for inspectors: one per (rule, subject, month), id deterministic.
CREATE TABLE IF NOT EXISTS marts.alerts (
    alert_id VARCHAR PRIMARY KEY,
    rule VARCHAR NOT NULL,
    subject_type VARCHAR NOT NULL,         -- company, desa
    subject_id VARCHAR NOT NULL,           -- nib or kode_desa
    subject_name VARCHAR,
    npp VARCHAR,
    kode_desa VARCHAR,
    periode VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,             -- tinggi, sedang
    status VARCHAR NOT NULL,               -- new, ongoing, resolved
    first_periode VARCHAR NOT NULL,        -- first month of the unbroken run of this alert
    resolved_periode VARCHAR,
    evidence VARCHAR NOT NULL,             -- JSON: the numbers that triggered it
    message VARCHAR NOT NULL               -- Indonesian text sent to inspectors
);
-- A month's alerts are read, replaced and resolved by periode and subject_type: with this
-- index that touches the month's rows however many months are stored (without it PostgreSQL
-- scanned the whole table once per alert of the month before).
CREATE INDEX IF NOT EXISTS alerts_periode ON marts.alerts (periode, subject_type);
