-- Company history (type-2): one version per nib and registry record (its updated_at). Identity
-- and status at a moment t are the version with valid_from <= t < valid_to, and before the
-- first version, that first version from the company's first appearance (its earliest report
-- date); the headcount at t is the latest WLKP report with tgl_lapor_wlkp <= t, whichever
-- version carried it (core/fct_company_month.sql, docs/compliance.md).
CREATE TABLE IF NOT EXISTS core.dim_company (
    nib VARCHAR NOT NULL,
    valid_from TIMESTAMP NOT NULL,         -- the record's updated_at (UTC)
    valid_to TIMESTAMP,                    -- the next version's valid_from; NULL = current
    is_current BOOLEAN NOT NULL,
    npp VARCHAR,
    npwp VARCHAR,
    nama_perusahaan VARCHAR,
    kbli VARCHAR,
    skala_usaha VARCHAR,
    kode_desa VARCHAR,
    jumlah_tk_laki INTEGER,
    jumlah_tk_perempuan INTEGER,
    jumlah_tk_wlkp INTEGER,
    tgl_lapor_wlkp DATE,
    status_usaha VARCHAR,
    PRIMARY KEY (nib, valid_from)
);

-- A company in a month: its registry version at the month's end beside its active PU
-- participants at its npp (distinct persons), wages against the UMK and programs held.
CREATE TABLE IF NOT EXISTS core.fct_company_month (
    periode VARCHAR NOT NULL,
    nib VARCHAR NOT NULL,
    company_valid_from TIMESTAMP NOT NULL, -- the dim_company version answering identity
    npp VARCHAR,
    skala_usaha VARCHAR,
    status_usaha VARCHAR,
    kode_desa VARCHAR,
    jumlah_tk_wlkp INTEGER,                -- latest WLKP report dated by the month's end
    jumlah_tk_wlkp_prev INTEGER,           -- at the previous month's end (NULL: not known)
    peserta_pu_aktif BIGINT NOT NULL,      -- distinct active PU persons at the npp
    peserta_pu_prev BIGINT,                -- the same in the previous month (NULL: not loaded)
    kartu_pu_aktif BIGINT NOT NULL,        -- active PU memberships (kpj) at the npp
    umk DECIMAL(18, 2),
    upah_median DOUBLE PRECISION,
    upah_min DECIMAL(18, 2),
    kartu_upah_le_umk BIGINT NOT NULL,     -- memberships with upah <= UMK (+ tolerance)
    kartu_tanpa_jkk BIGINT NOT NULL,
    kartu_tanpa_jkm BIGINT NOT NULL,
    kartu_tanpa_jht BIGINT NOT NULL,
    kartu_tanpa_jp BIGINT NOT NULL,
    didaftarkan_ulang BIGINT NOT NULL,     -- persons re-registered this month after deactivation
    PRIMARY KEY (periode, nib)
);
