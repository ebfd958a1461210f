-- Compliance categories per company and month. Thresholds are bound parameters
-- (ucj.compliance.THRESHOLDS); the rules and their reasons are in docs/compliance.md.
{% call(m) each(scope('months')) %}
SELECT CAST(periode AS VARCHAR) AS periode,
       CAST(nib AS VARCHAR) AS nib,
       CAST(npp AS VARCHAR) AS npp,
       CAST(nama_perusahaan AS VARCHAR) AS nama_perusahaan,
       CAST(skala_usaha AS VARCHAR) AS skala_usaha,
       CAST(kbli AS VARCHAR) AS kbli,
       CAST(kode_desa AS VARCHAR) AS kode_desa,
       CAST(kode_kecamatan AS VARCHAR) AS kode_kecamatan,
       CAST(status_usaha AS VARCHAR) AS status_usaha,
       CAST(jumlah_tk_wlkp AS INTEGER) AS jumlah_tk_wlkp,
       CAST(peserta_pu_aktif AS BIGINT) AS peserta_pu_aktif,
       CAST(selisih_tk AS BIGINT) AS selisih_tk,
       CAST(peserta_pu_prev AS BIGINT) AS peserta_pu_prev,
       CAST(jumlah_tk_wlkp_prev AS INTEGER) AS jumlah_tk_wlkp_prev,
       CAST(umk AS DECIMAL(18, 2)) AS umk,
       CAST(upah_median AS DOUBLE PRECISION) AS upah_median,
       CAST(porsi_upah_le_umk AS DOUBLE PRECISION) AS porsi_upah_le_umk,
       CAST(program_wajib AS VARCHAR) AS program_wajib,
       CAST(porsi_tanpa_program_wajib AS DOUBLE PRECISION) AS porsi_tanpa_program_wajib,
       CAST(didaftarkan_ulang AS BIGINT) AS didaftarkan_ulang,
       CAST(is_pwbd AS BOOLEAN) AS is_pwbd,
       CAST(is_pds_tk AS BOOLEAN) AS is_pds_tk,
       CAST(is_pds_upah AS BOOLEAN) AS is_pds_upah,
       CAST(is_pds_program AS BOOLEAN) AS is_pds_program,
       CAST(is_penurunan_mendadak AS BOOLEAN) AS is_penurunan_mendadak,
       CAST(is_rotasi AS BOOLEAN) AS is_rotasi,
       CAST(kategori_kepatuhan AS VARCHAR) AS kategori_kepatuhan
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
) AS result (periode, nib, npp, nama_perusahaan, skala_usaha, kbli, kode_desa, kode_kecamatan, status_usaha, jumlah_tk_wlkp, peserta_pu_aktif, selisih_tk, peserta_pu_prev, jumlah_tk_wlkp_prev, umk, upah_median, porsi_upah_le_umk, program_wajib, porsi_tanpa_program_wajib, didaftarkan_ulang, is_pwbd, is_pds_tk, is_pds_upah, is_pds_program, is_penurunan_mendadak, is_rotasi, kategori_kepatuhan)
{% endcall %}
