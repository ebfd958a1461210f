CREATE TABLE IF NOT EXISTS core.dim_wilayah (
    kode_wilayah VARCHAR PRIMARY KEY,
    nama VARCHAR NOT NULL,
    tingkat VARCHAR NOT NULL,          -- kabupaten, kecamatan, desa, kelurahan
    kode_kecamatan VARCHAR,
    nama_kecamatan VARCHAR,
    kode_bps_kecamatan VARCHAR
);

-- Reference tables keep every delivered year; a month uses its reference year.
CREATE TABLE IF NOT EXISTS core.ref_tenaga_kerja_desa (
    tahun INTEGER NOT NULL, kode_desa VARCHAR NOT NULL, penduduk BIGINT,
    penduduk_usia_kerja BIGINT, penduduk_bekerja BIGINT, jumlah_perangkat_desa INTEGER,
    PRIMARY KEY (tahun, kode_desa)
);
CREATE TABLE IF NOT EXISTS core.ref_non_asn (
    tahun INTEGER NOT NULL, kode_opd VARCHAR NOT NULL, nama_opd VARCHAR, npp VARCHAR,
    kode_desa VARCHAR, jumlah_non_asn INTEGER,
    PRIMARY KEY (tahun, kode_opd)
);
CREATE TABLE IF NOT EXISTS core.ref_umk (tahun INTEGER PRIMARY KEY, umk DECIMAL(18, 2) NOT NULL);

CREATE TABLE IF NOT EXISTS core.dim_month (
    periode VARCHAR PRIMARY KEY,       -- YYYY-MM
    tahun INTEGER NOT NULL,
    bulan INTEGER NOT NULL,
    tahun_ref_tenaga_kerja INTEGER,    -- latest reference year not after the month's year
    tahun_ref_non_asn INTEGER,
    tahun_ref_umk INTEGER,
    umk DECIMAL(18, 2)
);

-- One row per participant card (kpj) and month. person_key is a keyed hash of the NIK.
CREATE TABLE IF NOT EXISTS core.fct_participant_month (
    periode VARCHAR NOT NULL,
    kpj VARCHAR NOT NULL,
    person_key VARCHAR NOT NULL,
    tahun_lahir INTEGER,
    jenis_kelamin VARCHAR,
    segmen VARCHAR NOT NULL,
    kategori VARCHAR NOT NULL,
    npp VARCHAR,
    kode_desa VARCHAR NOT NULL,
    upah DECIMAL(18, 2),
    program VARCHAR,
    has_jkk BOOLEAN, has_jkm BOOLEAN, has_jht BOOLEAN, has_jp BOOLEAN, has_jkp BOOLEAN,
    status VARCHAR NOT NULL,
    is_active BOOLEAN NOT NULL,
    tgl_kepesertaan DATE,
    tgl_nonaktif DATE,
    sumber_iuran VARCHAR,
    iuran DECIMAL(18, 2)
    -- key (periode, kpj): core/05_keys.postgres.sql, core/check_month_keys.sql
);

-- One row per active person and month, placed by the contract's rule: the kode_desa of
-- their active row with the latest tgl_kepesertaan (ties: the smallest kpj).
CREATE TABLE IF NOT EXISTS core.fct_person_month (
    periode VARCHAR NOT NULL,
    person_key VARCHAR NOT NULL,
    kode_desa VARCHAR NOT NULL,
    segmen VARCHAR NOT NULL,
    kategori VARCHAR NOT NULL,
    active_memberships INTEGER NOT NULL
    -- key (periode, person_key): core/05_keys.postgres.sql, core/check_month_keys.sql
);
