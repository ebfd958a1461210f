-- The APBDes years delivered in this run; a re-delivered year replaces the earlier one.
SELECT tahun, source_row_number, kode_desa, nama_desa, jenis, kode_kegiatan, kode_rekening,
       uraian, sumber_dana, anggaran, realisasi, tgl_update, pos_pendapatan, penerima_premi
FROM {{ ref('stg_apbdes') }}
WHERE {{ in_list('tahun', scope('tahun_apbdes')) }}
