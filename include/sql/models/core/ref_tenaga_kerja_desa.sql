-- The reference years delivered in this run; a re-delivered year replaces the earlier one.
SELECT * FROM {{ ref('stg_tenaga_kerja_desa') }}
WHERE {{ in_list('tahun', scope('ref_tahun')['tenaga_kerja_desa']) }}
