-- Schemas by layer: staging (the batch being loaded), core (conformed history),
-- marts (indicators for BI), audit (what each run did).
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS staging.tenaga_kerja_desa (
    tahun INTEGER NOT NULL, kode_desa VARCHAR NOT NULL, penduduk BIGINT,
    penduduk_usia_kerja BIGINT, penduduk_bekerja BIGINT, jumlah_perangkat_desa INTEGER
);
CREATE TABLE IF NOT EXISTS staging.non_asn (
    tahun INTEGER NOT NULL, kode_opd VARCHAR NOT NULL, nama_opd VARCHAR, npp VARCHAR,
    kode_desa VARCHAR, jumlah_non_asn INTEGER
);
CREATE TABLE IF NOT EXISTS staging.umk (tahun INTEGER NOT NULL, umk DECIMAL(18, 2) NOT NULL);
