-- Rencana aksi UCJ (issue 18, item 1): per desa/kelurahan and month, the persons missing to
-- reach the target coverage and how to reach them, channel by channel, with the yearly cost
-- and who pays; kecamatan and kabupaten rows are sums of their desa (a desa above target
-- offsets no other). Every target, cap, unit cost and rate comes from the run's scope
-- (ucj.rencana, rencana_*) and is stored on each row, never a constant here.
--
--   kurang        = max(ceil(target x penduduk_bekerja) - peserta_aktif, 0), NULL without a
--                   penduduk_bekerja; split in this order, each channel at most what is left:
--   1 tk_perusahaan: headcount gap of the PWBD / PDS TK companies with their workplace in the
--                   desa; employers pay JKK + JKM + JHT (+ JP for MENENGAH and BESAR) on the UMK
--   2 perangkat   : village officials not covered; fixed pay (PP 11/2019, the roster's mean of
--                   1 kepala desa, 1 sekretaris and the others) x (JKK + JKM); Dana Desa or ADD
--   3 non_asn     : non-ASN staff not covered of the agencies seated in the desa; UMK x
--                   (JKK + JKM); APBD kabupaten
--   4 rentan      : the rest, at the lowest BPU band; from Dana Desa up to the cap share of the
--                   desa's Dana Desa (a kelurahan has none), the excess from APBD or CSR.
{%- set summed = ['penduduk_bekerja', 'peserta_aktif', 'peserta_target', 'kurang',
    'tk_perusahaan_potensi', 'tk_perusahaan', 'biaya_tk_perusahaan',
    'perangkat_potensi', 'perangkat', 'biaya_perangkat',
    'non_asn_potensi', 'non_asn', 'biaya_non_asn',
    'rentan', 'biaya_rentan', 'dana_desa_anggaran', 'biaya_rentan_dana_desa',
    'biaya_rentan_lebih', 'desa_melebihi_batas',
    'biaya_total', 'biaya_pemberi_kerja', 'biaya_dana_desa', 'biaya_apbd',
    'biaya_apbd_atau_csr', 'peserta_csr', 'perusahaan_sponsor',
    'desa_penyebut', 'desa_wilayah', 'desa_dana_desa'] %}
{#- every summed measure but peserta_aktif, which counts with its denominator only -#}
{%- set rolled_up = [] %}
{%- for c in summed %}
{%- do rolled_up.append((c, with_denominator(c) if c == 'peserta_aktif' else 'SUM(d.' ~ c ~ ')')) %}
{%- endfor %}
{%- set jkk_jkm = "(" ~ threshold('rencana_tarif_jkk') ~ " + " ~ threshold('rencana_tarif_jkm') ~ ")" %}
{% call(m) each(scope('months')) %}
SELECT {{ contract_casts('mart_rencana_aksi') }}
FROM (
    WITH month AS (
        SELECT periode, umk FROM {{ ref('int_dim_month') }} WHERE periode = {{ literal(m.periode) }}
    ),
    coverage AS (
        SELECT kode_wilayah, tahun_referensi, peserta_aktif, penduduk_bekerja
        FROM {{ ref('mart_coverage') }}
        WHERE periode = {{ literal(m.periode) }} AND tingkat IN ('desa', 'kelurahan')
    ),
    companies AS (
        SELECT kode_desa,
               SUM(COALESCE(selisih_tk, 0)) AS potensi,
               SUM(COALESCE(selisih_tk, 0) * CAST(umk AS DOUBLE PRECISION) * 12
                   * ({{ jkk_jkm }} + {{ threshold('rencana_tarif_jht_pemberi_kerja') }}
                      + CASE WHEN skala_usaha IN ('MENENGAH', 'BESAR')
                             THEN {{ threshold('rencana_tarif_jp_pemberi_kerja') }} ELSE 0 END))
                   AS biaya_potensi
        FROM {{ ref('mart_company_compliance') }}
        WHERE periode = {{ literal(m.periode) }} AND (is_pwbd OR is_pds_tk) AND selisih_tk > 0
        GROUP BY kode_desa
    ),
    sponsors AS (
        -- compliant medium and large companies: who could sponsor informal workers (CSR)
        SELECT kode_desa, COUNT(*) AS perusahaan_sponsor
        FROM {{ ref('mart_company_compliance') }}
        WHERE periode = {{ literal(m.periode) }} AND kategori_kepatuhan = 'PATUH'
          AND skala_usaha IN ('MENENGAH', 'BESAR')
        GROUP BY kode_desa
    ),
    officials AS (
        SELECT kode_wilayah, perangkat_aktif, jumlah_perangkat_desa
        FROM {{ ref('mart_village_official_coverage') }}
        WHERE periode = {{ literal(m.periode) }} AND tingkat = 'desa'
    ),
    staff AS (
        -- an agency's staff at its seat (ref_non_asn.kode_desa), whatever desa they live in
        SELECT r.kode_desa, SUM(CASE WHEN c.jumlah_non_asn > c.non_asn_aktif
                                     THEN c.jumlah_non_asn - c.non_asn_aktif ELSE 0 END) AS potensi
        FROM {{ ref('mart_non_asn_coverage') }} c
        JOIN {{ ref('int_ref_non_asn') }} r ON r.tahun = c.tahun_referensi AND r.kode_opd = c.kode_opd
        WHERE c.periode = {{ literal(m.periode) }}
        GROUP BY r.kode_desa
    ),
    csr AS (
        SELECT kode_wilayah, peserta_aktif AS peserta_csr
        FROM {{ ref('mart_inisiatif_iuran') }}
        WHERE periode = {{ literal(m.periode) }} AND tingkat IN ('desa', 'kelurahan')
          AND sumber_iuran = 'CSR'
    ),
    dana_desa AS (
        SELECT kode_wilayah, dana_desa_anggaran
        FROM {{ ref('mart_dana_desa') }}
        WHERE tahun = {{ m.tahun }} AND tingkat = 'desa'
    ),
    base AS (
        SELECT w.tingkat, w.kode_wilayah, w.nama AS nama_wilayah, w.kode_kecamatan,
               w.nama_kecamatan, c.tahun_referensi, c.penduduk_bekerja,
               COALESCE(c.peserta_aktif, 0) AS peserta_aktif,
               CASE WHEN c.penduduk_bekerja IS NOT NULL
                    THEN CAST(CEIL({{ exact('rencana_target_coverage') }} * c.penduduk_bekerja) AS BIGINT)
               END AS peserta_target,
               COALESCE(co.potensi, 0) AS tk_perusahaan_potensi, co.biaya_potensi AS biaya_tk_potensi,
               CASE WHEN o.jumlah_perangkat_desa > o.perangkat_aktif
                    THEN o.jumlah_perangkat_desa - o.perangkat_aktif ELSE 0 END AS perangkat_potensi,
               o.jumlah_perangkat_desa,
               COALESCE(s.potensi, 0) AS non_asn_potensi,
               CASE WHEN w.tingkat = 'kelurahan' THEN 0 ELSE d.dana_desa_anggaran END AS dana_desa_anggaran,
               COALESCE(x.peserta_csr, 0) AS peserta_csr,
               COALESCE(sp.perusahaan_sponsor, 0) AS perusahaan_sponsor,
               CASE WHEN c.penduduk_bekerja IS NULL THEN 0 ELSE 1 END AS desa_penyebut,
               mo.umk
        FROM {{ ref('dim_wilayah') }} w
        CROSS JOIN month mo
        LEFT JOIN coverage c ON c.kode_wilayah = w.kode_wilayah
        LEFT JOIN companies co ON co.kode_desa = w.kode_wilayah
        LEFT JOIN sponsors sp ON sp.kode_desa = w.kode_wilayah
        LEFT JOIN officials o ON o.kode_wilayah = w.kode_wilayah
        LEFT JOIN staff s ON s.kode_desa = w.kode_wilayah
        LEFT JOIN csr x ON x.kode_wilayah = w.kode_wilayah
        LEFT JOIN dana_desa d ON d.kode_wilayah = w.kode_wilayah
        WHERE w.tingkat IN ('desa', 'kelurahan')
    ),
    -- explicit CASEs, not GREATEST/LEAST: PostgreSQL's skip a NULL argument, DuckDB's do not
    gap AS (
        SELECT b.*,
               CASE WHEN b.peserta_target > b.peserta_aktif THEN b.peserta_target - b.peserta_aktif
                    WHEN b.peserta_target IS NOT NULL THEN 0 END AS kurang
        FROM base b
    ),
    channel1 AS (
        SELECT g.*, CASE WHEN g.kurang < g.tk_perusahaan_potensi THEN g.kurang
                         WHEN g.kurang IS NOT NULL THEN g.tk_perusahaan_potensi END AS tk_perusahaan
        FROM gap g
    ),
    channel2 AS (
        SELECT c.*, CASE WHEN c.kurang - c.tk_perusahaan < c.perangkat_potensi
                         THEN c.kurang - c.tk_perusahaan
                         WHEN c.kurang IS NOT NULL THEN c.perangkat_potensi END AS perangkat
        FROM channel1 c
    ),
    channel3 AS (
        SELECT c.*, CASE WHEN c.kurang - c.tk_perusahaan - c.perangkat < c.non_asn_potensi
                         THEN c.kurang - c.tk_perusahaan - c.perangkat
                         WHEN c.kurang IS NOT NULL THEN c.non_asn_potensi END AS non_asn
        FROM channel2 c
    ),
    costed AS (
        SELECT c.*,
               c.kurang - c.tk_perusahaan - c.perangkat - c.non_asn AS rentan,
               CASE WHEN c.tk_perusahaan = 0 THEN 0
                    ELSE {{ whole_rupiah('c.biaya_tk_potensi * c.tk_perusahaan / c.tk_perusahaan_potensi') }}
               END AS biaya_tk_perusahaan,
               CASE WHEN c.perangkat = 0 THEN 0
                    WHEN c.jumlah_perangkat_desa = 1
                    THEN {{ whole_rupiah("c.perangkat * " ~ scope('rencana_gaji_kepala_desa') ~ " * 12 * " ~ jkk_jkm) }}
                    ELSE {{ whole_rupiah("c.perangkat * 12 * " ~ jkk_jkm ~ " * ("
                                         ~ scope('rencana_gaji_kepala_desa') ~ " + "
                                         ~ scope('rencana_gaji_sekretaris_desa') ~ " + (c.jumlah_perangkat_desa - 2) * "
                                         ~ scope('rencana_gaji_perangkat_desa')
                                         ~ ") / CAST(c.jumlah_perangkat_desa AS DOUBLE PRECISION)") }}
               END AS biaya_perangkat,
               CASE WHEN c.non_asn = 0 THEN 0
                    ELSE {{ whole_rupiah("c.non_asn * CAST(c.umk AS DOUBLE PRECISION) * 12 * " ~ jkk_jkm) }}
               END AS biaya_non_asn,
               (c.kurang - c.tk_perusahaan - c.perangkat - c.non_asn) * 12
                   * CAST({{ scope('rencana_iuran_bpu_bulanan') }} AS BIGINT) AS biaya_rentan,
               -- what the cap lets Dana Desa carry, in whole rupiah
               CAST(FLOOR({{ exact('rencana_batas_porsi_dana_desa') }} * c.dana_desa_anggaran) AS BIGINT)
                   AS batas_dana_desa
        FROM channel3 c
    ),
    desa AS (
        SELECT c.*,
               CAST(c.biaya_rentan AS DOUBLE PRECISION) / NULLIF(c.dana_desa_anggaran, 0)
                   AS porsi_rentan_dana_desa,
               CASE WHEN c.batas_dana_desa IS NULL THEN NULL
                    WHEN c.biaya_rentan > c.batas_dana_desa THEN c.batas_dana_desa
                    ELSE c.biaya_rentan END AS biaya_rentan_dana_desa,
               CASE WHEN c.biaya_rentan > c.batas_dana_desa THEN c.biaya_rentan - c.batas_dana_desa
                    WHEN c.batas_dana_desa IS NOT NULL THEN 0 END AS biaya_rentan_lebih,
               CASE WHEN c.tingkat <> 'desa' OR c.biaya_rentan IS NULL OR c.batas_dana_desa IS NULL
                    THEN NULL WHEN c.biaya_rentan > c.batas_dana_desa THEN 1 ELSE 0 END
                   AS desa_melebihi_batas,
               1 AS desa_wilayah,
               CASE WHEN c.tingkat = 'desa' AND c.dana_desa_anggaran IS NOT NULL THEN 1 ELSE 0 END
                   AS desa_dana_desa
        FROM costed c
    ),
    desa_out AS (
        SELECT d.*,
               d.biaya_tk_perusahaan + d.biaya_perangkat + d.biaya_non_asn + d.biaya_rentan
                   AS biaya_total,
               d.biaya_tk_perusahaan AS biaya_pemberi_kerja,
               d.biaya_perangkat + d.biaya_rentan_dana_desa AS biaya_dana_desa,
               d.biaya_non_asn AS biaya_apbd,
               d.biaya_rentan_lebih AS biaya_apbd_atau_csr
        FROM desa d
    ),
    {#- the desa's peserta_aktif counts in a roll-up only with its denominator (as mart_coverage) #}
{{ roll_up(desa='desa_out', measures=[('tahun_referensi', 'MIN(d.tahun_referensi)')]
      + rolled_up
      + [('porsi_rentan_dana_desa',
          'CAST(SUM(d.biaya_rentan) FILTER (WHERE d.desa_dana_desa = 1) AS DOUBLE PRECISION)'
          ~ ' / NULLIF(SUM(d.dana_desa_anggaran) FILTER (WHERE d.desa_dana_desa = 1), 0)'),
         ('umk', 'MIN(d.umk)')]) }},
    areas AS (
        SELECT tingkat, kode_wilayah, nama_wilayah, kode_kecamatan, nama_kecamatan, tahun_referensi,
{%- for c in summed %}
               {{ c }},
{%- endfor %}
               porsi_rentan_dana_desa, umk
        FROM desa_out
        UNION ALL SELECT * FROM kecamatan
        UNION ALL SELECT * FROM kabupaten
    )
    SELECT {{ literal(m.periode) }}, a.tingkat, a.kode_wilayah, a.nama_wilayah,
           a.kode_kecamatan, a.nama_kecamatan, a.tahun_referensi,
           {{ threshold('rencana_target_coverage') }}, {{ threshold('rencana_batas_porsi_dana_desa') }},
           {{ scope('rencana_iuran_bpu_bulanan') }}, {{ threshold('rencana_tarif_jkk') }},
           {{ threshold('rencana_tarif_jkm') }}, {{ threshold('rencana_tarif_jht_pemberi_kerja') }},
           {{ threshold('rencana_tarif_jp_pemberi_kerja') }}, {{ scope('rencana_gaji_kepala_desa') }},
           {{ scope('rencana_gaji_sekretaris_desa') }}, {{ scope('rencana_gaji_perangkat_desa') }},
{%- for c in summed %}
           a.{{ c }},{% if c == 'dana_desa_anggaran' %} a.porsi_rentan_dana_desa,{% endif %}
{%- endfor %}
           a.umk
    FROM areas a
) AS result ({{ contract_columns('mart_rencana_aksi') }})
{% endcall %}
