-- Dana Desa for social security (SOURCES.md indicator) per fiscal year and area: the village
-- budget (APBDes) beside the DANA_DESA-funded participants of the year's loaded months.
-- tingkat = desa, kecamatan or kabupaten (kecamatan and kabupaten sum their desa). Budget
-- columns are NULL for a desa without APBDes lines in the year; a revenue item is NULL (unknown)
-- when the APBDes has no line of it, and a roll-up sums the desa that report it.
CREATE TABLE IF NOT EXISTS marts.mart_dana_desa (
    tahun INTEGER NOT NULL,
    tingkat VARCHAR NOT NULL,
    kode_wilayah VARCHAR NOT NULL,
    nama_wilayah VARCHAR NOT NULL,
    kode_kecamatan VARCHAR,
    desa_apbdes BIGINT NOT NULL,
    tgl_update DATE,
    dana_desa_anggaran BIGINT,
    dana_desa_realisasi BIGINT,
    add_anggaran BIGINT,
    add_realisasi BIGINT,
    bhp_anggaran BIGINT,
    bhp_realisasi BIGINT,
    premi_perangkat_anggaran BIGINT,
    premi_perangkat_realisasi BIGINT,
    premi_perangkat_dds_anggaran BIGINT,
    premi_perangkat_dds_realisasi BIGINT,
    premi_perangkat_lain_anggaran BIGINT,
    premi_perangkat_lain_realisasi BIGINT,
    premi_rentan_anggaran BIGINT,
    premi_rentan_realisasi BIGINT,
    premi_rentan_dds_anggaran BIGINT,
    premi_rentan_dds_realisasi BIGINT,
    premi_rentan_lain_anggaran BIGINT,
    premi_rentan_lain_realisasi BIGINT,
    premi_dds_anggaran BIGINT,
    premi_dds_realisasi BIGINT,
    porsi_premi_dana_desa_anggaran DOUBLE PRECISION,
    porsi_premi_dana_desa_realisasi DOUBLE PRECISION,
    periode_akhir VARCHAR,
    bulan_dimuat INTEGER NOT NULL,
    peserta_dana_desa BIGINT NOT NULL,
    peserta_dana_desa_perangkat BIGINT NOT NULL,
    peserta_dana_desa_rentan BIGINT NOT NULL,
    orang_bulan_dana_desa_perangkat BIGINT NOT NULL,
    orang_bulan_dana_desa_rentan BIGINT NOT NULL,
    iuran_dana_desa DECIMAL(18, 2) NOT NULL,
    iuran_dana_desa_perangkat DECIMAL(18, 2) NOT NULL,
    iuran_dana_desa_rentan DECIMAL(18, 2) NOT NULL,
    perangkat_aktif BIGINT,
    jumlah_perangkat_desa BIGINT,
    coverage_perangkat DOUBLE PRECISION,
    setara_peserta_premi_perangkat DOUBLE PRECISION,
    setara_peserta_premi_rentan DOUBLE PRECISION,
    is_premi_perangkat_tanpa_peserta BOOLEAN,
    is_premi_rentan_tanpa_peserta BOOLEAN,
    is_peserta_perangkat_tanpa_premi BOOLEAN,
    is_peserta_rentan_tanpa_premi BOOLEAN,
    -- Added after the first release: nullable, as ucj.warehouse.upgrade ALTERs them into an
    -- older warehouse (DuckDB adds no NOT NULL column), and then fills every row.
    desa_dana_desa BIGINT,
    desa_add BIGINT,
    desa_bhp BIGINT,
    desa_jumlah_perangkat BIGINT,
    PRIMARY KEY (tahun, kode_wilayah)
);

-- The premium lines split by beneficiary and sumber_dana (every source, not only DDS).
CREATE TABLE IF NOT EXISTS marts.mart_dana_desa_premi (
    tahun INTEGER NOT NULL,
    tingkat VARCHAR NOT NULL,
    kode_wilayah VARCHAR NOT NULL,
    nama_wilayah VARCHAR NOT NULL,
    kode_kecamatan VARCHAR,
    penerima_premi VARCHAR NOT NULL,
    sumber_dana VARCHAR NOT NULL,
    baris BIGINT NOT NULL,
    anggaran BIGINT NOT NULL,
    realisasi BIGINT NOT NULL,
    PRIMARY KEY (tahun, kode_wilayah, penerima_premi, sumber_dana)
);

COMMENT ON TABLE marts.mart_dana_desa IS
'Dana Desa for social security per fiscal year and area. The village budget (APBDes from Siskeudes) - Dana Desa, ADD and BHP revenue and the employment social-security premium lines for village officials (activity 01.01.03 without health-insurance lines) and for vulnerable workers (other lines naming BPJS Ketenagakerjaan, BPJS TK, jaminan sosial ketenagakerjaan or Jamsostek) - beside the active participants whose contribution is paid from village funds (sumber_iuran DANA_DESA) placed in the desa and the village-official coverage. One row per tahun and area (desa, kecamatan, kabupaten), kecamatan and kabupaten rows sum their desa. A revenue item the APBDes of a desa has no line of is empty (unknown), never 0, and roll-ups sum the desa that report it (desa_dana_desa, desa_add, desa_bhp). Premium rule in ucj.village, alert thresholds in ucj.village.THRESHOLDS.';
COMMENT ON COLUMN marts.mart_dana_desa.tahun IS 'Fiscal year of the APBDes.';
COMMENT ON COLUMN marts.mart_dana_desa.tingkat IS 'Area level of the row - desa, kecamatan or kabupaten (kelurahan have no APBDes).';
COMMENT ON COLUMN marts.mart_dana_desa.kode_wilayah IS 'Kemendagri area code of the desa, kecamatan or kabupaten.';
COMMENT ON COLUMN marts.mart_dana_desa.nama_wilayah IS 'Area name.';
COMMENT ON COLUMN marts.mart_dana_desa.kode_kecamatan IS 'Code of the kecamatan the area belongs to (empty for the kabupaten row).';
COMMENT ON COLUMN marts.mart_dana_desa.desa_apbdes IS 'Desa with APBDes lines loaded for the year (1 or 0 on a desa row, the count on kecamatan and kabupaten rows).';
COMMENT ON COLUMN marts.mart_dana_desa.tgl_update IS 'Latest tgl_update of the APBDes lines, the date the realisation is reported up to.';
COMMENT ON COLUMN marts.mart_dana_desa.dana_desa_anggaran IS 'Dana Desa revenue budgeted, rupiah (PENDAPATAN lines with kode_rekening 4.2.1 or 4.2.1.x). Empty (unknown, never 0) when the APBDes of the desa has no such line or the desa has no APBDes lines. Kecamatan and kabupaten rows sum the desa that report it (desa_dana_desa).';
COMMENT ON COLUMN marts.mart_dana_desa.dana_desa_realisasi IS 'Dana Desa revenue realised to date, rupiah (empty when no 4.2.1 line, as dana_desa_anggaran).';
COMMENT ON COLUMN marts.mart_dana_desa.add_anggaran IS 'Alokasi Dana Desa (ADD) revenue budgeted, rupiah (kode_rekening 4.2.3). Empty (unknown) without such a line, roll-ups sum the desa that report it (desa_add).';
COMMENT ON COLUMN marts.mart_dana_desa.add_realisasi IS 'Alokasi Dana Desa (ADD) revenue realised to date, rupiah (empty without a 4.2.3 line).';
COMMENT ON COLUMN marts.mart_dana_desa.bhp_anggaran IS 'Bagi hasil pajak dan retribusi (BHP) revenue budgeted, rupiah (kode_rekening 4.2.2). Empty (unknown) without such a line, roll-ups sum the desa that report it (desa_bhp).';
COMMENT ON COLUMN marts.mart_dana_desa.bhp_realisasi IS 'Bagi hasil pajak dan retribusi (BHP) revenue realised to date, rupiah (empty without a 4.2.2 line).';
COMMENT ON COLUMN marts.mart_dana_desa.premi_perangkat_anggaran IS 'Employment social-security premiums for the kepala desa and perangkat desa budgeted, rupiah, every sumber_dana (activity 01.01.03 lines not naming health insurance). 0 when the APBDes has no such line (no premium budgeted), empty only without APBDes lines. The same holds for every premi column.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_perangkat_realisasi IS 'The same premiums for village officials realised to date, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_perangkat_dds_anggaran IS 'Premiums for village officials budgeted from Dana Desa (sumber_dana DDS), rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_perangkat_dds_realisasi IS 'Premiums for village officials realised from Dana Desa (sumber_dana DDS), rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_perangkat_lain_anggaran IS 'Premiums for village officials budgeted from any other sumber_dana (ADD, PBH, PAD, BKP, BKK, LAIN), rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_perangkat_lain_realisasi IS 'Premiums for village officials realised from any other sumber_dana, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_rentan_anggaran IS 'Employment social-security premiums for vulnerable workers budgeted, rupiah, every sumber_dana (lines of other activities naming BPJS Ketenagakerjaan, BPJS TK, jaminan sosial ketenagakerjaan or Jamsostek and not health insurance).';
COMMENT ON COLUMN marts.mart_dana_desa.premi_rentan_realisasi IS 'The same premiums for vulnerable workers realised to date, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_rentan_dds_anggaran IS 'Premiums for vulnerable workers budgeted from Dana Desa (sumber_dana DDS), rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_rentan_dds_realisasi IS 'Premiums for vulnerable workers realised from Dana Desa (sumber_dana DDS), rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_rentan_lain_anggaran IS 'Premiums for vulnerable workers budgeted from any other sumber_dana, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_rentan_lain_realisasi IS 'Premiums for vulnerable workers realised from any other sumber_dana, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_dds_anggaran IS 'All premium lines funded by Dana Desa (sumber_dana DDS) budgeted, rupiah, officials and vulnerable workers together.';
COMMENT ON COLUMN marts.mart_dana_desa.premi_dds_realisasi IS 'All premium lines funded by Dana Desa (sumber_dana DDS) realised to date, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.porsi_premi_dana_desa_anggaran IS 'Share of Dana Desa for social security = premi_dds_anggaran / dana_desa_anggaran (0 to 1, empty when the Dana Desa revenue is unknown or 0). On kecamatan and kabupaten rows both sides are summed over the desa that report their Dana Desa (desa_dana_desa), so premiums of a desa without a 4.2.1 line are left out of the share.';
COMMENT ON COLUMN marts.mart_dana_desa.porsi_premi_dana_desa_realisasi IS 'Share of realised Dana Desa for social security = premi_dds_realisasi / dana_desa_realisasi, summed over the same desa as porsi_premi_dana_desa_anggaran.';
COMMENT ON COLUMN marts.mart_dana_desa.periode_akhir IS 'Latest enrollment month of the year loaded in the warehouse (YYYY-MM), the month of the participant counts, the village-official coverage and the village alerts. Empty when no month of the year is loaded.';
COMMENT ON COLUMN marts.mart_dana_desa.bulan_dimuat IS 'Enrollment months of the year loaded in the warehouse, the months the iuran sums cover.';
COMMENT ON COLUMN marts.mart_dana_desa.peserta_dana_desa IS 'Distinct active participants in periode_akhir whose contribution is paid from village funds (sumber_iuran DANA_DESA), each placed once among their DANA_DESA memberships (latest tgl_kepesertaan, ties to the smallest kpj).';
COMMENT ON COLUMN marts.mart_dana_desa.peserta_dana_desa_perangkat IS 'Of peserta_dana_desa, those whose placement membership is kategori PERANGKAT_DESA (village officials).';
COMMENT ON COLUMN marts.mart_dana_desa.peserta_dana_desa_rentan IS 'Of peserta_dana_desa, those of any other kategori (vulnerable workers, mostly PEKERJA_RENTAN), matched with the vulnerable-worker premium lines.';
COMMENT ON COLUMN marts.mart_dana_desa.orang_bulan_dana_desa_perangkat IS 'Person-months of DANA_DESA-funded village officials placed in the area over the year loaded months.';
COMMENT ON COLUMN marts.mart_dana_desa.orang_bulan_dana_desa_rentan IS 'Person-months of the other DANA_DESA-funded participants placed in the area over the year loaded months.';
COMMENT ON COLUMN marts.mart_dana_desa.iuran_dana_desa IS 'Contributions (iuran) of the DANA_DESA-funded participants placed in the area, summed over the year loaded months, rupiah (each person-month counts the iuran of all their active DANA_DESA memberships).';
COMMENT ON COLUMN marts.mart_dana_desa.iuran_dana_desa_perangkat IS 'The part of iuran_dana_desa of village officials, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.iuran_dana_desa_rentan IS 'The part of iuran_dana_desa of the other participants, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa.perangkat_aktif IS 'Active village officials placed in the area in periode_akhir, whatever pays their contribution (from mart_village_official_coverage). Kecamatan and kabupaten rows count the desa with a jumlah_perangkat_desa only (desa_jumlah_perangkat), the desa of their denominator.';
COMMENT ON COLUMN marts.mart_dana_desa.jumlah_perangkat_desa IS 'Village officials on the roster in the reference year of periode_akhir (from mart_village_official_coverage), empty when the reference has no figure for the desa.';
COMMENT ON COLUMN marts.mart_dana_desa.coverage_perangkat IS 'Village-official coverage = perangkat_aktif / jumlah_perangkat_desa.';
COMMENT ON COLUMN marts.mart_dana_desa.setara_peserta_premi_perangkat IS 'Persons the realised officials premium pays for = premi_perangkat_realisasi / (premi_bulan_setahun months, 12 by default, x monthly premium per person), the monthly premium being the larger of the typical premium threshold and the desa own average iuran of its DANA_DESA-funded officials. Desa rows only.';
COMMENT ON COLUMN marts.mart_dana_desa.setara_peserta_premi_rentan IS 'Persons the realised vulnerable-worker premium pays for, computed the same way with the vulnerable-worker premium. Desa rows only.';
COMMENT ON COLUMN marts.mart_dana_desa.is_premi_perangkat_tanpa_peserta IS 'Alert PREMI_PERANGKAT_TANPA_PESERTA - officials premiums realised with far fewer DANA_DESA-funded officials than they pay for. Empty when not assessable (no APBDes lines or no loaded month) and on kecamatan and kabupaten rows.';
COMMENT ON COLUMN marts.mart_dana_desa.is_premi_rentan_tanpa_peserta IS 'Alert PREMI_RENTAN_TANPA_PESERTA - vulnerable-worker premiums realised with far fewer DANA_DESA-funded participants than they pay for.';
COMMENT ON COLUMN marts.mart_dana_desa.is_peserta_perangkat_tanpa_premi IS 'Alert PESERTA_PERANGKAT_TANPA_PREMI - DANA_DESA-funded village officials while the APBDes has no officials premium (anggaran and realisasi both 0).';
COMMENT ON COLUMN marts.mart_dana_desa.is_peserta_rentan_tanpa_premi IS 'Alert PESERTA_RENTAN_TANPA_PREMI - other DANA_DESA-funded participants while the APBDes has no vulnerable-worker premium.';
COMMENT ON COLUMN marts.mart_dana_desa.desa_dana_desa IS 'Desa whose APBDes has a Dana Desa revenue line (4.2.1), 1 or 0 on a desa row, the count on kecamatan and kabupaten rows - the desa dana_desa_anggaran, dana_desa_realisasi and the shares of Dana Desa are summed over. Fewer than desa_apbdes means the roll-up lacks the Dana Desa of some budgets.';
COMMENT ON COLUMN marts.mart_dana_desa.desa_add IS 'Desa whose APBDes has an ADD revenue line (4.2.3), 1 or 0 on a desa row, the count on kecamatan and kabupaten rows.';
COMMENT ON COLUMN marts.mart_dana_desa.desa_bhp IS 'Desa whose APBDes has a BHP revenue line (4.2.2), 1 or 0 on a desa row, the count on kecamatan and kabupaten rows.';
COMMENT ON COLUMN marts.mart_dana_desa.desa_jumlah_perangkat IS 'Desa with a jumlah_perangkat_desa in the reference year of periode_akhir, 1 or 0 on a desa row, the count on kecamatan and kabupaten rows - the desa perangkat_aktif, jumlah_perangkat_desa and coverage_perangkat are summed over.';

COMMENT ON TABLE marts.mart_dana_desa_premi IS
'Employment social-security premium lines of the APBDes per fiscal year, area, beneficiary and sumber_dana (DDS Dana Desa, ADD, PBH, PAD, BKP, BKK, LAIN). One row per combination present, kecamatan and kabupaten rows sum their desa.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.tahun IS 'Fiscal year of the APBDes.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.tingkat IS 'Area level of the row - desa, kecamatan or kabupaten.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.kode_wilayah IS 'Kemendagri area code of the desa, kecamatan or kabupaten.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.nama_wilayah IS 'Area name.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.kode_kecamatan IS 'Code of the kecamatan the area belongs to (empty for the kabupaten row).';
COMMENT ON COLUMN marts.mart_dana_desa_premi.penerima_premi IS 'Beneficiary of the premium lines - PERANGKAT_DESA (village officials) or PEKERJA_RENTAN (vulnerable workers).';
COMMENT ON COLUMN marts.mart_dana_desa_premi.sumber_dana IS 'Funding source of the lines - DDS (Dana Desa), ADD, PBH, PAD, BKP, BKK or LAIN.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.baris IS 'Number of premium lines.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.anggaran IS 'Premiums budgeted, rupiah.';
COMMENT ON COLUMN marts.mart_dana_desa_premi.realisasi IS 'Premiums realised to date, rupiah.';
