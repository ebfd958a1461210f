SELECT CAST(tahun AS INTEGER) AS tahun, CAST(source_row_number AS BIGINT) AS source_row_number,
       CAST(kode_desa AS VARCHAR) AS kode_desa, CAST(nama_desa AS VARCHAR) AS nama_desa,
       CAST(jenis AS VARCHAR) AS jenis, CAST(kode_kegiatan AS VARCHAR) AS kode_kegiatan,
       CAST(kode_rekening AS VARCHAR) AS kode_rekening, CAST(uraian AS VARCHAR) AS uraian,
       CAST(sumber_dana AS VARCHAR) AS sumber_dana, CAST(anggaran AS BIGINT) AS anggaran,
       CAST(realisasi AS BIGINT) AS realisasi, CAST(tgl_update AS DATE) AS tgl_update,
       CAST(pos_pendapatan AS VARCHAR) AS pos_pendapatan,
       CAST(penerima_premi AS VARCHAR) AS penerima_premi
FROM {{ source('lake', 'lake_apbdes') }}
