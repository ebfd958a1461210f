-- Village budget lines (APBDes) per fiscal year; a re-delivered year replaces the earlier one.
-- pos_pendapatan: DANA_DESA (4.2.1), BHP (4.2.2), ADD (4.2.3) on PENDAPATAN lines.
-- penerima_premi: PERANGKAT_DESA or PEKERJA_RENTAN on employment social-security premium
-- lines (rule in ucj.village), NULL on every other line.
CREATE TABLE IF NOT EXISTS core.fct_apbdes (
    tahun INTEGER NOT NULL,
    source_row_number BIGINT NOT NULL,     -- line in the delivered file (header = 1)
    kode_desa VARCHAR NOT NULL,
    nama_desa VARCHAR,
    jenis VARCHAR NOT NULL,                -- PENDAPATAN, BELANJA, PEMBIAYAAN
    kode_kegiatan VARCHAR,                 -- BB.SS.KK. (trailing dot restored)
    kode_rekening VARCHAR NOT NULL,
    uraian VARCHAR,
    sumber_dana VARCHAR NOT NULL,
    anggaran BIGINT NOT NULL,              -- whole Rupiah
    realisasi BIGINT NOT NULL,
    tgl_update DATE,
    pos_pendapatan VARCHAR,
    penerima_premi VARCHAR,
    PRIMARY KEY (tahun, source_row_number)
);
