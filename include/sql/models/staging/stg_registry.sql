SELECT CAST(nib AS VARCHAR) AS nib, CAST(npp AS VARCHAR) AS npp, CAST(npwp AS VARCHAR) AS npwp,
       CAST(nama_perusahaan AS VARCHAR) AS nama_perusahaan, CAST(kbli AS VARCHAR) AS kbli,
       CAST(skala_usaha AS VARCHAR) AS skala_usaha, CAST(kode_desa AS VARCHAR) AS kode_desa,
       CAST(jumlah_tk_laki AS INTEGER) AS jumlah_tk_laki,
       CAST(jumlah_tk_perempuan AS INTEGER) AS jumlah_tk_perempuan,
       CAST(jumlah_tk_wlkp AS INTEGER) AS jumlah_tk_wlkp,
       CAST(tgl_lapor_wlkp AS DATE) AS tgl_lapor_wlkp,
       CAST(status_usaha AS VARCHAR) AS status_usaha,
       CAST(updated_at AS TIMESTAMP) AS updated_at  -- UTC
FROM {{ source('lake', 'lake_registry') }}
