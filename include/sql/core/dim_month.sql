-- Reference year of a month: the latest year of each reference table not after its year.
DELETE FROM core.dim_month WHERE periode = :periode;

INSERT INTO core.dim_month (periode, tahun, bulan, tahun_ref_tenaga_kerja, tahun_ref_non_asn,
                            tahun_ref_umk, umk)
SELECT :periode, :tahun, :bulan,
       (SELECT MAX(tahun) FROM core.ref_tenaga_kerja_desa WHERE tahun <= :tahun),
       (SELECT MAX(tahun) FROM core.ref_non_asn WHERE tahun <= :tahun),
       (SELECT MAX(tahun) FROM core.ref_umk WHERE tahun <= :tahun),
       (SELECT umk FROM core.ref_umk
        WHERE tahun = (SELECT MAX(tahun) FROM core.ref_umk WHERE tahun <= :tahun));
