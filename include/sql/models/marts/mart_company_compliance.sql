-- Compliance categories per company and month. Thresholds are bound parameters
-- (ucj.compliance.THRESHOLDS); the rules and their reasons are in docs/compliance.md.
{% call(m) each(scope('months')) %}
SELECT {{ contract_casts('mart_company_compliance') }}
FROM (
    WITH base AS (
        SELECT f.*, c.nama_perusahaan, c.kbli, w.kode_kecamatan,
               f.status_usaha = 'AKTIF' AND COALESCE(f.jumlah_tk_wlkp, 0) > 0 AS wajib,
               CASE WHEN f.skala_usaha IN ('MENENGAH', 'BESAR') THEN 'JKK+JKM+JHT+JP'
                    ELSE 'JKK+JKM+JHT' END AS program_wajib,
               CASE WHEN f.skala_usaha IN ('MENENGAH', 'BESAR')
                    THEN GREATEST(f.kartu_tanpa_jkk, f.kartu_tanpa_jkm, f.kartu_tanpa_jht,
                                  f.kartu_tanpa_jp)
                    ELSE GREATEST(f.kartu_tanpa_jkk, f.kartu_tanpa_jkm, f.kartu_tanpa_jht)
               END AS kartu_tanpa_wajib
        FROM {{ ref('fct_company_month') }} f
        JOIN {{ ref('int_dim_company') }} c ON c.nib = f.nib AND c.valid_from = f.company_valid_from
        LEFT JOIN {{ ref('dim_wilayah') }} w ON w.kode_wilayah = f.kode_desa
        WHERE f.periode = {{ literal(m.periode) }}
    ),
    flags AS (
        SELECT b.*,
               b.wajib AND (b.npp IS NULL OR b.peserta_pu_aktif = 0) AS pwbd
        FROM base b
    ),
    classified AS (
        SELECT f.*,
               NOT f.pwbd AND f.wajib
                 AND f.jumlah_tk_wlkp - f.peserta_pu_aktif >= {{ threshold('pds_tk_min_gap') }}
                 AND f.peserta_pu_aktif < f.jumlah_tk_wlkp * (1 - {{ threshold('pds_tk_min_gap_share') }}) AS pds_tk,
               NOT f.pwbd AND f.wajib AND f.skala_usaha IN ('MENENGAH', 'BESAR')
                 AND f.kartu_pu_aktif >= {{ threshold('pds_upah_min_workers') }}
                 AND f.kartu_upah_le_umk >= {{ threshold('pds_upah_share') }} * f.kartu_pu_aktif AS pds_upah,
               NOT f.pwbd AND f.wajib AND f.kartu_pu_aktif > 0
                 AND f.kartu_tanpa_wajib >= {{ threshold('pds_program_share') }} * f.kartu_pu_aktif AS pds_program,
               NOT f.pwbd AND f.wajib AND f.peserta_pu_prev IS NOT NULL
                 AND f.peserta_pu_prev - f.peserta_pu_aktif >= {{ threshold('drop_min_workers') }}
                 AND f.peserta_pu_aktif <= f.peserta_pu_prev * (1 - {{ threshold('drop_share') }})
                 -- WLKP did not follow: against its previous report, or, for a company whose
                 -- first report is this month's, against last month's participants
                 AND f.jumlah_tk_wlkp >= COALESCE(f.jumlah_tk_wlkp_prev, f.peserta_pu_prev)
                                         * (1 - {{ threshold('drop_wlkp_tolerance') }})
                 AS penurunan,
               NOT f.pwbd AND f.wajib AND f.didaftarkan_ulang >= {{ threshold('rotation_min_workers') }}
                 AND f.didaftarkan_ulang >= {{ threshold('rotation_share') }} * f.peserta_pu_aktif AS rotasi
        FROM flags f
    )
    SELECT periode, nib, npp, nama_perusahaan, skala_usaha, kbli, kode_desa, kode_kecamatan,
           status_usaha, jumlah_tk_wlkp, peserta_pu_aktif,
           jumlah_tk_wlkp - peserta_pu_aktif,  -- NULL while no WLKP report answers the month
           peserta_pu_prev, jumlah_tk_wlkp_prev, umk, upah_median,
           CAST(kartu_upah_le_umk AS DOUBLE PRECISION) / NULLIF(kartu_pu_aktif, 0),
           program_wajib,
           CAST(kartu_tanpa_wajib AS DOUBLE PRECISION) / NULLIF(kartu_pu_aktif, 0),
           didaftarkan_ulang,
           pwbd, pds_tk, pds_upah, pds_program, penurunan, rotasi,
           CASE WHEN NOT wajib THEN 'TIDAK_WAJIB'
                WHEN pwbd THEN 'PWBD'
                WHEN pds_tk OR pds_upah OR pds_program THEN 'PDS'
                ELSE 'PATUH' END
    FROM classified
) AS result ({{ contract_columns('mart_company_compliance') }})
{% endcall %}
