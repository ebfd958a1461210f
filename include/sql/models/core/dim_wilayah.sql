-- Kabupaten Subang's kecamatan and desa/kelurahan (the project's own table, a seed).
SELECT CAST(kode_wilayah AS VARCHAR) AS kode_wilayah, CAST(nama AS VARCHAR) AS nama,
       CAST(tingkat AS VARCHAR) AS tingkat,
       CAST(NULLIF(kode_kecamatan, '') AS VARCHAR) AS kode_kecamatan,
       CAST(NULLIF(nama_kecamatan, '') AS VARCHAR) AS nama_kecamatan,
       CAST(NULLIF(kode_bps_kecamatan, '') AS VARCHAR) AS kode_bps_kecamatan
FROM {{ ref('wilayah_3213') }}
