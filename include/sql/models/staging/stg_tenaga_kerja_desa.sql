SELECT CAST(tahun AS INTEGER) AS tahun, CAST(kode_desa AS VARCHAR) AS kode_desa,
       CAST(penduduk AS BIGINT) AS penduduk, CAST(penduduk_usia_kerja AS BIGINT) AS penduduk_usia_kerja,
       CAST(penduduk_bekerja AS BIGINT) AS penduduk_bekerja,
       CAST(jumlah_perangkat_desa AS INTEGER) AS jumlah_perangkat_desa
FROM {{ source('lake', 'lake_tenaga_kerja_desa') }}
