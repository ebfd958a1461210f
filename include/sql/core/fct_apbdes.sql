-- The year in staging replaces the same year in core (a re-delivery replaces, never adds).
DELETE FROM core.fct_apbdes WHERE tahun = :tahun;

INSERT INTO core.fct_apbdes (tahun, source_row_number, kode_desa, nama_desa, jenis,
                             kode_kegiatan, kode_rekening, uraian, sumber_dana, anggaran,
                             realisasi, tgl_update, pos_pendapatan, penerima_premi)
SELECT tahun, source_row_number, kode_desa, nama_desa, jenis, kode_kegiatan, kode_rekening,
       uraian, sumber_dana, anggaran, realisasi, tgl_update, pos_pendapatan, penerima_premi
FROM staging.apbdes
WHERE tahun = :tahun;
