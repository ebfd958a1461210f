-- The reference years delivered in this run; a re-delivered year replaces the earlier one.
SELECT * FROM {{ ref('stg_umk') }}
WHERE {{ in_list('tahun', scope('ref_tahun')['umk']) }}
