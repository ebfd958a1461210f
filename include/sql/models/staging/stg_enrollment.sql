-- The months read from the lake, typed as the warehouse holds them.
SELECT CAST(periode AS VARCHAR) AS periode, CAST(kpj AS VARCHAR) AS kpj,
       CAST(person_key AS VARCHAR) AS person_key, CAST(tgl_lahir AS DATE) AS tgl_lahir,
       CAST(jenis_kelamin AS VARCHAR) AS jenis_kelamin, CAST(segmen AS VARCHAR) AS segmen,
       CAST(kategori AS VARCHAR) AS kategori, CAST(npp AS VARCHAR) AS npp,
       CAST(kode_desa AS VARCHAR) AS kode_desa, CAST(upah AS DECIMAL(18, 2)) AS upah,
       CAST(program AS VARCHAR) AS program, has_jkk, has_jkm, has_jht, has_jp, has_jkp,
       CAST(status AS VARCHAR) AS status, is_active,
       CAST(tgl_kepesertaan AS DATE) AS tgl_kepesertaan,
       CAST(tgl_nonaktif AS DATE) AS tgl_nonaktif,
       CAST(sumber_iuran AS VARCHAR) AS sumber_iuran, CAST(iuran AS DECIMAL(18, 2)) AS iuran
FROM {{ source('lake', 'lake_enrollment') }}
