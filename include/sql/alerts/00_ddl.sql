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

-- What the table and its columns mean, for BI users (the dbt models carry theirs in YAML).
COMMENT ON TABLE marts.alerts IS
'Alerts for labour inspectors - one per rule, subject (company or desa) and month, with a deterministic id. Lifecycle - new (first month raised), ongoing (raised the month before too), resolved (no longer raised). Delivery state per channel is in audit.alert_delivery.';
COMMENT ON COLUMN marts.alerts.alert_id IS 'Deterministic id of the alert (hash of rule, subject and month).';
COMMENT ON COLUMN marts.alerts.rule IS 'Rule that raised it (PWBD, PDS_TK, PDS_UPAH, PDS_PROGRAM, PENURUNAN_MENDADAK, ROTASI).';
COMMENT ON COLUMN marts.alerts.subject_type IS 'Kind of subject - company or desa.';
COMMENT ON COLUMN marts.alerts.subject_id IS 'The subject - nib of a company or kode_desa of a desa.';
COMMENT ON COLUMN marts.alerts.subject_name IS 'Subject name.';
COMMENT ON COLUMN marts.alerts.npp IS 'Employer registration number of a company subject.';
COMMENT ON COLUMN marts.alerts.kode_desa IS 'Desa of the subject.';
COMMENT ON COLUMN marts.alerts.periode IS 'Month the alert is raised for, YYYY-MM.';
COMMENT ON COLUMN marts.alerts.severity IS 'Severity - tinggi (high) or sedang (medium).';
COMMENT ON COLUMN marts.alerts.status IS 'Lifecycle status - new, ongoing or resolved.';
COMMENT ON COLUMN marts.alerts.first_periode IS 'First month of the unbroken run of this alert.';
COMMENT ON COLUMN marts.alerts.resolved_periode IS 'Month that resolved it (empty while open).';
COMMENT ON COLUMN marts.alerts.evidence IS 'JSON object with the numbers that triggered the alert.';
COMMENT ON COLUMN marts.alerts.message IS 'Indonesian text sent to inspectors.';
