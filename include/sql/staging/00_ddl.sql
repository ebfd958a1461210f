-- Schemas by layer: staging (the batch being loaded), core (conformed history),
-- marts (indicators for BI), audit (what each run did).
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS audit;

-- One month of validated enrollment rows, as written to the lake (no NIK, no name).
CREATE TABLE IF NOT EXISTS staging.enrollment (
    periode VARCHAR NOT NULL,
    kpj VARCHAR NOT NULL,
    person_key VARCHAR NOT NULL,
    tgl_lahir DATE,
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
    iuran DECIMAL(18, 2),
    source_row_number BIGINT
);

CREATE TABLE IF NOT EXISTS staging.tenaga_kerja_desa (
    tahun INTEGER NOT NULL, kode_desa VARCHAR NOT NULL, penduduk BIGINT,
    penduduk_usia_kerja BIGINT, penduduk_bekerja BIGINT, jumlah_perangkat_desa INTEGER
);
CREATE TABLE IF NOT EXISTS staging.non_asn (
    tahun INTEGER NOT NULL, kode_opd VARCHAR NOT NULL, nama_opd VARCHAR, npp VARCHAR,
    kode_desa VARCHAR, jumlah_non_asn INTEGER
);
CREATE TABLE IF NOT EXISTS staging.umk (tahun INTEGER NOT NULL, umk DECIMAL(18, 2) NOT NULL);
