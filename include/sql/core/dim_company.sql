-- New versions from the staged extract (a version already held is not added twice), then
-- valid_to / is_current recomputed for the companies touched.
INSERT INTO core.dim_company (nib, valid_from, valid_to, is_current, npp, npwp, nama_perusahaan,
                              kbli, skala_usaha, kode_desa, jumlah_tk_laki, jumlah_tk_perempuan,
                              jumlah_tk_wlkp, tgl_lapor_wlkp, status_usaha)
SELECT s.nib, s.updated_at, NULL, TRUE, s.npp, s.npwp, s.nama_perusahaan, s.kbli, s.skala_usaha,
       s.kode_desa, s.jumlah_tk_laki, s.jumlah_tk_perempuan, s.jumlah_tk_wlkp, s.tgl_lapor_wlkp,
       s.status_usaha
FROM staging.registry s
WHERE NOT EXISTS (
    SELECT 1 FROM core.dim_company d WHERE d.nib = s.nib AND d.valid_from = s.updated_at
);

UPDATE core.dim_company
SET valid_to = (
        SELECT MIN(n.valid_from) FROM core.dim_company n
        WHERE n.nib = core.dim_company.nib AND n.valid_from > core.dim_company.valid_from
    )
WHERE nib IN (SELECT nib FROM staging.registry);

UPDATE core.dim_company
SET is_current = (valid_to IS NULL)
WHERE nib IN (SELECT nib FROM staging.registry);
