-- Company compliance per month (BPJS Ketenagakerjaan categories; rules in docs/compliance.md).
CREATE TABLE IF NOT EXISTS marts.mart_company_compliance (
    periode VARCHAR NOT NULL,
    nib VARCHAR NOT NULL,
    npp VARCHAR,
    nama_perusahaan VARCHAR,
    skala_usaha VARCHAR,
    kbli VARCHAR,
    kode_desa VARCHAR,
    kode_kecamatan VARCHAR,
    status_usaha VARCHAR,
    jumlah_tk_wlkp INTEGER,
    peserta_pu_aktif BIGINT,
    selisih_tk BIGINT,                     -- company headcount gap: WLKP minus active PU persons
    peserta_pu_prev BIGINT,
    jumlah_tk_wlkp_prev INTEGER,
    umk DECIMAL(18, 2),
    upah_median DOUBLE PRECISION,
    porsi_upah_le_umk DOUBLE PRECISION,
    program_wajib VARCHAR,
    porsi_tanpa_program_wajib DOUBLE PRECISION,
    didaftarkan_ulang BIGINT,
    is_pwbd BOOLEAN NOT NULL,
    is_pds_tk BOOLEAN NOT NULL,
    is_pds_upah BOOLEAN NOT NULL,
    is_pds_program BOOLEAN NOT NULL,
    is_penurunan_mendadak BOOLEAN NOT NULL,
    is_rotasi BOOLEAN NOT NULL,
    kategori_kepatuhan VARCHAR NOT NULL,   -- PWBD, PDS, PATUH, TIDAK_WAJIB
    PRIMARY KEY (periode, nib)
);

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
