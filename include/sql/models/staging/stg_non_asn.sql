SELECT CAST(tahun AS INTEGER) AS tahun, CAST(kode_opd AS VARCHAR) AS kode_opd,
       CAST(nama_opd AS VARCHAR) AS nama_opd, CAST(npp AS VARCHAR) AS npp,
       CAST(kode_desa AS VARCHAR) AS kode_desa, CAST(jumlah_non_asn AS INTEGER) AS jumlah_non_asn
FROM {{ source('lake', 'lake_non_asn') }}
