-- A re-delivered reference year replaces the earlier one.
DELETE FROM core.ref_tenaga_kerja_desa
WHERE tahun IN (SELECT DISTINCT tahun FROM staging.tenaga_kerja_desa);

INSERT INTO core.ref_tenaga_kerja_desa
SELECT tahun, kode_desa, penduduk, penduduk_usia_kerja, penduduk_bekerja, jumlah_perangkat_desa
FROM staging.tenaga_kerja_desa;
