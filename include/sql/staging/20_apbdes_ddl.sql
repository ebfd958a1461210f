-- One validated APBDes year (village budget lines from Siskeudes), as written to the lake.
CREATE TABLE IF NOT EXISTS staging.apbdes (
    tahun INTEGER NOT NULL,
    kode_desa VARCHAR NOT NULL,
    nama_desa VARCHAR,
    jenis VARCHAR NOT NULL,
    kode_kegiatan VARCHAR,
    kode_rekening VARCHAR NOT NULL,
    uraian VARCHAR,
    sumber_dana VARCHAR NOT NULL,
    anggaran BIGINT NOT NULL,
    realisasi BIGINT NOT NULL,
    tgl_update DATE,
    pos_pendapatan VARCHAR,
    penerima_premi VARCHAR,
    source_row_number BIGINT NOT NULL
);
