-- Reference year of a month: the latest year of each reference table not after its year.
WITH months AS (
    {{ values_of(scope('periodes'), 'periode', 'VARCHAR') }}
),
m AS (
    SELECT periode, CAST(SUBSTRING(periode, 1, 4) AS INTEGER) AS tahun,
           CAST(SUBSTRING(periode, 6, 2) AS INTEGER) AS bulan
    FROM months
),
tk AS {{ overlay('ref_tenaga_kerja_desa', 'tahun', scope('ref_tahun')['tenaga_kerja_desa']) }},
na AS {{ overlay('ref_non_asn', 'tahun', scope('ref_tahun')['non_asn']) }},
umk AS {{ overlay('ref_umk', 'tahun', scope('ref_tahun')['umk']) }},
refs AS (
    SELECT m.periode, m.tahun, m.bulan,
           (SELECT MAX(tahun) FROM tk WHERE tk.tahun <= m.tahun) AS tahun_ref_tenaga_kerja,
           (SELECT MAX(tahun) FROM na WHERE na.tahun <= m.tahun) AS tahun_ref_non_asn,
           (SELECT MAX(tahun) FROM umk WHERE umk.tahun <= m.tahun) AS tahun_ref_umk
    FROM m
)
SELECT r.periode, r.tahun, r.bulan, r.tahun_ref_tenaga_kerja, r.tahun_ref_non_asn,
       r.tahun_ref_umk, u.umk
FROM refs r
LEFT JOIN umk u ON u.tahun = r.tahun_ref_umk
