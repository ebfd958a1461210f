-- The month in staging replaces the same month in core (a re-delivery replaces, never adds).
DELETE FROM core.fct_participant_month WHERE periode = :periode;

INSERT INTO core.fct_participant_month (
    periode, kpj, person_key, tahun_lahir, jenis_kelamin, segmen, kategori, npp, kode_desa,
    upah, program, has_jkk, has_jkm, has_jht, has_jp, has_jkp, status, is_active,
    tgl_kepesertaan, tgl_nonaktif, sumber_iuran, iuran)
SELECT periode, kpj, person_key, CAST(EXTRACT(YEAR FROM tgl_lahir) AS INTEGER), jenis_kelamin,
       segmen, kategori, npp, kode_desa, upah, program, has_jkk, has_jkm, has_jht, has_jp,
       has_jkp, status, is_active, tgl_kepesertaan, tgl_nonaktif, sumber_iuran, iuran
FROM staging.enrollment
WHERE periode = :periode;
