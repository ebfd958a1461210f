DELETE FROM core.ref_non_asn WHERE tahun IN (SELECT DISTINCT tahun FROM staging.non_asn);

INSERT INTO core.ref_non_asn
SELECT tahun, kode_opd, nama_opd, npp, kode_desa, jumlah_non_asn FROM staging.non_asn;
