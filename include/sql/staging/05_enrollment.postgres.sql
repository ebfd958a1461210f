-- The month being loaded: the lake partition's validated rows (no NIK, no name), copied in
-- by the load and emptied at its end. On DuckDB it is a view over the partition's files
-- instead, made by the load (staging/05_enrollment.duckdb.sql).
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
