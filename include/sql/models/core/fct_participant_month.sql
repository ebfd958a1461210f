-- One row per participant card (kpj) and month, for the months read from the lake in this
-- run (a re-delivered month replaces, never adds). person_key is a keyed hash of the NIK.
-- On DuckDB a view in the build: the month is written once, by the publish, instead of into
-- the build and then again into the warehouse (a province month: 10 s less of a 40 s load,
-- benchmarks/load_breakdown.py); the models after it read the staged Parquet through it.
-- PostgreSQL's build holds the staged rows in a table already, read several times: a table.
{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
SELECT periode, kpj, person_key, CAST(EXTRACT(YEAR FROM tgl_lahir) AS INTEGER) AS tahun_lahir,
       jenis_kelamin, segmen, kategori, npp, kode_desa, upah, program, has_jkk, has_jkm,
       has_jht, has_jp, has_jkp, status, is_active, tgl_kepesertaan, tgl_nonaktif,
       sumber_iuran, iuran
FROM {{ ref('stg_enrollment') }}
WHERE {{ in_list('periode', scope('periodes_baru')) }}
