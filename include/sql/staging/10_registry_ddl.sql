-- One validated registry extract (changed companies since the watermark).
CREATE TABLE IF NOT EXISTS staging.registry (
    nib VARCHAR NOT NULL,
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
    updated_at TIMESTAMP NOT NULL          -- UTC
);
