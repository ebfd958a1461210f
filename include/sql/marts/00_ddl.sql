-- UCJ coverage per area and month; tingkat = desa, kelurahan, kecamatan or kabupaten.
-- Persons are counted once each, under their placement row's segmen and kategori; a roll-up
-- counts the desa with a denominator only, and says how many of its desa that is.
CREATE TABLE IF NOT EXISTS marts.mart_coverage (
    periode VARCHAR NOT NULL,
    tingkat VARCHAR NOT NULL,
    kode_wilayah VARCHAR NOT NULL,
    nama_wilayah VARCHAR NOT NULL,
    kode_kecamatan VARCHAR,
    nama_kecamatan VARCHAR,
    tahun_referensi INTEGER,
    peserta_aktif BIGINT NOT NULL,
    penduduk_bekerja BIGINT,
    coverage DOUBLE PRECISION,
    peserta_pu BIGINT NOT NULL, peserta_bpu BIGINT NOT NULL,
    peserta_jakon BIGINT NOT NULL, peserta_pmi BIGINT NOT NULL,
    peserta_swasta BIGINT NOT NULL, peserta_non_asn BIGINT NOT NULL,
    peserta_perangkat_desa BIGINT NOT NULL, peserta_pekerja_rentan BIGINT NOT NULL,
    peserta_lainnya BIGINT NOT NULL,
    -- Added after the first release: nullable, as ucj.warehouse.upgrade ALTERs them into an
    -- older warehouse (DuckDB adds no NOT NULL column), and then fills every row.
    desa_penyebut BIGINT,
    desa_wilayah BIGINT,
    peserta_tanpa_penyebut BIGINT,
    PRIMARY KEY (periode, kode_wilayah)
);

-- Village-official coverage per desa (not defined for kelurahan), rolled up by sums.
CREATE TABLE IF NOT EXISTS marts.mart_village_official_coverage (
    periode VARCHAR NOT NULL,
    tingkat VARCHAR NOT NULL,          -- desa, kecamatan, kabupaten
    kode_wilayah VARCHAR NOT NULL,
    nama_wilayah VARCHAR NOT NULL,
    kode_kecamatan VARCHAR,
    tahun_referensi INTEGER,
    perangkat_aktif BIGINT NOT NULL,
    jumlah_perangkat_desa BIGINT,
    coverage DOUBLE PRECISION,
    desa_penyebut BIGINT,              -- added later, nullable: see mart_coverage
    desa_wilayah BIGINT,
    perangkat_tanpa_penyebut BIGINT,
    PRIMARY KEY (periode, kode_wilayah)
);

-- Non-ASN coverage per district agency (OPD).
CREATE TABLE IF NOT EXISTS marts.mart_non_asn_coverage (
    periode VARCHAR NOT NULL,
    kode_opd VARCHAR NOT NULL,
    nama_opd VARCHAR,
    npp VARCHAR,
    tahun_referensi INTEGER,
    non_asn_aktif BIGINT NOT NULL,
    jumlah_non_asn BIGINT,
    coverage DOUBLE PRECISION,
    PRIMARY KEY (periode, kode_opd)
);
