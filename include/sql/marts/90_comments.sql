-- What each marts table and column means, stored in the database for BI users (PostgreSQL
-- and DuckDB both keep COMMENT ON). Definitions as in README.md and docs/warehouse.md. Runs
-- after every marts DDL file (numbered below 90).
-- Keep the texts free of semicolons, apostrophes, percent signs and colons before a word.

COMMENT ON TABLE marts.mart_coverage IS
'UCJ coverage (Universal Coverage Jaminan Sosial Ketenagakerjaan) per area and month: active BPJS Ketenagakerjaan participants living in the area divided by its working population (penduduk_bekerja). One row per periode and area (desa, kelurahan, kecamatan, kabupaten). Each active person is counted once, at the kode_desa of their active membership with the latest tgl_kepesertaan (ties to the smallest kpj). Kecamatan and kabupaten rows sum the numerators and denominators of their desa and kelurahan, ratios are never averaged, and both over the same desa - those with a penduduk_bekerja in the reference year (desa_penyebut of desa_wilayah). Persons placed in a desa without one are counted in peserta_tanpa_penyebut, outside the ratio.';
COMMENT ON COLUMN marts.mart_coverage.periode IS 'Reporting month, YYYY-MM.';
COMMENT ON COLUMN marts.mart_coverage.tingkat IS 'Area level of the row - desa, kelurahan, kecamatan or kabupaten.';
COMMENT ON COLUMN marts.mart_coverage.kode_wilayah IS 'Kemendagri area code (32.13 Kabupaten Subang, 32.13.xx kecamatan, 32.13.xx.xxxx desa or kelurahan).';
COMMENT ON COLUMN marts.mart_coverage.nama_wilayah IS 'Area name.';
COMMENT ON COLUMN marts.mart_coverage.kode_kecamatan IS 'Code of the kecamatan the area belongs to (empty for the kabupaten row).';
COMMENT ON COLUMN marts.mart_coverage.nama_kecamatan IS 'Name of the kecamatan the area belongs to (empty for the kabupaten row).';
COMMENT ON COLUMN marts.mart_coverage.tahun_referensi IS 'Year of the village labour reference data used as denominator, the latest delivered year not after the month (empty when no year is, then every coverage is empty).';
COMMENT ON COLUMN marts.mart_coverage.peserta_aktif IS 'Numerator - distinct active participants (persons, not cards) placed in the area this month. On kecamatan and kabupaten rows only those placed in a desa or kelurahan with a penduduk_bekerja (the others are in peserta_tanpa_penyebut), on a desa or kelurahan row all placed there.';
COMMENT ON COLUMN marts.mart_coverage.penduduk_bekerja IS 'Denominator - working residents of the area in the reference year, summed over the desa_penyebut desa and kelurahan that have a figure (empty when none has).';
COMMENT ON COLUMN marts.mart_coverage.coverage IS 'UCJ coverage ratio = peserta_aktif / penduduk_bekerja, between 0 and 1 in normal data (empty - unknown - when the denominator is missing or zero). On a kecamatan or kabupaten row with desa_penyebut below desa_wilayah it is the coverage of the desa with a figure only.';
COMMENT ON COLUMN marts.mart_coverage.peserta_pu IS 'Active persons whose placement membership is segmen PU (Penerima Upah, wage earners registered by an employer).';
COMMENT ON COLUMN marts.mart_coverage.peserta_bpu IS 'Active persons whose placement membership is segmen BPU (Bukan Penerima Upah, self-employed and informal workers).';
COMMENT ON COLUMN marts.mart_coverage.peserta_jakon IS 'Active persons whose placement membership is segmen JAKON (construction-project workers).';
COMMENT ON COLUMN marts.mart_coverage.peserta_pmi IS 'Active persons whose placement membership is segmen PMI (Indonesian migrant workers).';
COMMENT ON COLUMN marts.mart_coverage.peserta_swasta IS 'Active persons whose placement membership is kategori SWASTA (private-sector workers).';
COMMENT ON COLUMN marts.mart_coverage.peserta_non_asn IS 'Active persons whose placement membership is kategori NON_ASN (non-civil-servant government staff).';
COMMENT ON COLUMN marts.mart_coverage.peserta_perangkat_desa IS 'Active persons whose placement membership is kategori PERANGKAT_DESA (village officials).';
COMMENT ON COLUMN marts.mart_coverage.peserta_pekerja_rentan IS 'Active persons whose placement membership is kategori PEKERJA_RENTAN (vulnerable workers, contributions often paid by the government).';
COMMENT ON COLUMN marts.mart_coverage.peserta_lainnya IS 'Active persons whose placement membership is kategori LAINNYA (other). The segmen counts and the kategori counts each add up to peserta_aktif (on kecamatan and kabupaten rows they count the same desa as peserta_aktif).';
COMMENT ON COLUMN marts.mart_coverage.desa_penyebut IS 'Desa and kelurahan of the area with a penduduk_bekerja in the reference year (1 or 0 on a desa or kelurahan row) - the desa the numerator and the denominator of the row are summed over.';
COMMENT ON COLUMN marts.mart_coverage.desa_wilayah IS 'Desa and kelurahan of the area in the region table core.dim_wilayah (1 on a desa or kelurahan row). A kecamatan or kabupaten row with desa_penyebut below desa_wilayah is incomplete - its coverage leaves out the other desa.';
COMMENT ON COLUMN marts.mart_coverage.peserta_tanpa_penyebut IS 'Active persons placed in desa or kelurahan of the area without a penduduk_bekerja in the reference year (reference row missing or quarantined, or no reference year) - kept out of the coverage ratio. On a kecamatan or kabupaten row they are not in peserta_aktif (all placed persons = peserta_aktif + peserta_tanpa_penyebut), on a desa or kelurahan row they are its peserta_aktif.';

COMMENT ON TABLE marts.mart_village_official_coverage IS
'Village-official coverage per desa and month: active participants with kategori PERANGKAT_DESA placed in the desa divided by the number of village officials it reports (jumlah_perangkat_desa). Placement applies the latest-tgl_kepesertaan rule among the PERANGKAT_DESA memberships of each person only, so an official with another membership still counts for their village. Not defined for kelurahan (they have no perangkat desa). Kecamatan and kabupaten rows sum numerators and denominators over the same desa - those with a jumlah_perangkat_desa in the reference year (desa_penyebut of desa_wilayah), officials of the other desa are in perangkat_tanpa_penyebut.';
COMMENT ON COLUMN marts.mart_village_official_coverage.periode IS 'Reporting month, YYYY-MM.';
COMMENT ON COLUMN marts.mart_village_official_coverage.tingkat IS 'Area level of the row - desa, kecamatan or kabupaten.';
COMMENT ON COLUMN marts.mart_village_official_coverage.kode_wilayah IS 'Kemendagri area code of the desa, kecamatan or kabupaten.';
COMMENT ON COLUMN marts.mart_village_official_coverage.nama_wilayah IS 'Area name.';
COMMENT ON COLUMN marts.mart_village_official_coverage.kode_kecamatan IS 'Code of the kecamatan the area belongs to (empty for the kabupaten row).';
COMMENT ON COLUMN marts.mart_village_official_coverage.tahun_referensi IS 'Year of the village labour reference data used as denominator, the latest delivered year not after the month.';
COMMENT ON COLUMN marts.mart_village_official_coverage.perangkat_aktif IS 'Numerator - distinct active participants with kategori PERANGKAT_DESA placed in the area. On kecamatan and kabupaten rows only those placed in a desa with a jumlah_perangkat_desa (the others are in perangkat_tanpa_penyebut).';
COMMENT ON COLUMN marts.mart_village_official_coverage.jumlah_perangkat_desa IS 'Denominator - village officials reported for the area in the reference year, summed over the desa_penyebut desa that have a figure (empty when none has).';
COMMENT ON COLUMN marts.mart_village_official_coverage.coverage IS 'Village-official coverage ratio = perangkat_aktif / jumlah_perangkat_desa (empty - unknown - when the denominator is missing or zero).';
COMMENT ON COLUMN marts.mart_village_official_coverage.desa_penyebut IS 'Desa of the area with a jumlah_perangkat_desa in the reference year (1 or 0 on a desa row) - the desa the numerator and the denominator of the row are summed over.';
COMMENT ON COLUMN marts.mart_village_official_coverage.desa_wilayah IS 'Desa of the area in the region table core.dim_wilayah, kelurahan not counted (1 on a desa row). A kecamatan or kabupaten row with desa_penyebut below desa_wilayah is incomplete.';
COMMENT ON COLUMN marts.mart_village_official_coverage.perangkat_tanpa_penyebut IS 'Active village officials placed in desa of the area without a jumlah_perangkat_desa in the reference year - kept out of the ratio. On a kecamatan or kabupaten row they are not in perangkat_aktif, on a desa row they are its perangkat_aktif.';

COMMENT ON TABLE marts.mart_non_asn_coverage IS
'Non-ASN coverage per district agency (OPD) and month: distinct active participants with kategori NON_ASN registered under the agency employer number (npp) divided by the non-ASN staff on its roster (jumlah_non_asn). One row per agency of the reference roster.';
COMMENT ON COLUMN marts.mart_non_asn_coverage.periode IS 'Reporting month, YYYY-MM.';
COMMENT ON COLUMN marts.mart_non_asn_coverage.kode_opd IS 'Code of the district agency (Organisasi Perangkat Daerah).';
COMMENT ON COLUMN marts.mart_non_asn_coverage.nama_opd IS 'Name of the district agency.';
COMMENT ON COLUMN marts.mart_non_asn_coverage.npp IS 'BPJS Ketenagakerjaan employer registration number (Nomor Pendaftaran Perusahaan) of the agency.';
COMMENT ON COLUMN marts.mart_non_asn_coverage.tahun_referensi IS 'Year of the non-ASN roster used as denominator, the latest delivered year not after the month.';
COMMENT ON COLUMN marts.mart_non_asn_coverage.non_asn_aktif IS 'Numerator - distinct active persons with kategori NON_ASN at the agency npp this month.';
COMMENT ON COLUMN marts.mart_non_asn_coverage.jumlah_non_asn IS 'Denominator - non-ASN staff on the agency roster in the reference year.';
COMMENT ON COLUMN marts.mart_non_asn_coverage.coverage IS 'Non-ASN coverage ratio = non_asn_aktif / jumlah_non_asn (empty when the denominator is missing or zero).';

COMMENT ON TABLE marts.mart_company_compliance IS
'Company compliance per month (registry issue, rules and thresholds in docs/compliance.md and ucj.compliance). One row per company (nib) known in the registry at the end of the month, its registry version at that moment beside its active PU (wage-earner) participants at its npp. A company is obliged (wajib) when status_usaha is AKTIF and it reports WLKP workers.';
COMMENT ON COLUMN marts.mart_company_compliance.periode IS 'Reporting month, YYYY-MM.';
COMMENT ON COLUMN marts.mart_company_compliance.nib IS 'Nomor Induk Berusaha, the business identity number of the company registry (OSS).';
COMMENT ON COLUMN marts.mart_company_compliance.npp IS 'BPJS Ketenagakerjaan employer registration number (empty when the company never registered).';
COMMENT ON COLUMN marts.mart_company_compliance.nama_perusahaan IS 'Company name in the registry version valid at the end of the month.';
COMMENT ON COLUMN marts.mart_company_compliance.skala_usaha IS 'Business size class (MIKRO, KECIL, MENENGAH, BESAR), which decides the required programs.';
COMMENT ON COLUMN marts.mart_company_compliance.kbli IS 'KBLI business activity code.';
COMMENT ON COLUMN marts.mart_company_compliance.kode_desa IS 'Desa or kelurahan of the company address.';
COMMENT ON COLUMN marts.mart_company_compliance.kode_kecamatan IS 'Kecamatan of the company address.';
COMMENT ON COLUMN marts.mart_company_compliance.status_usaha IS 'Registry business status (AKTIF for an operating company).';
COMMENT ON COLUMN marts.mart_company_compliance.jumlah_tk_wlkp IS 'Workers the company reports in WLKP (Wajib Lapor Ketenagakerjaan Perusahaan) at the end of the month.';
COMMENT ON COLUMN marts.mart_company_compliance.peserta_pu_aktif IS 'Distinct active PU participants (persons) registered at the company npp this month.';
COMMENT ON COLUMN marts.mart_company_compliance.selisih_tk IS 'Headcount gap = jumlah_tk_wlkp (latest WLKP report dated by the month''s end) minus peserta_pu_aktif (workers reported but not registered); NULL while no WLKP report answers the month.';
COMMENT ON COLUMN marts.mart_company_compliance.peserta_pu_prev IS 'The same participant count in the previous month (empty when that month is not loaded).';
COMMENT ON COLUMN marts.mart_company_compliance.jumlah_tk_wlkp_prev IS 'WLKP workers at the end of the previous month (empty when not known).';
COMMENT ON COLUMN marts.mart_company_compliance.umk IS 'Kabupaten minimum wage (UMK) of the month reference year, in rupiah.';
COMMENT ON COLUMN marts.mart_company_compliance.upah_median IS 'Median reported wage of the active PU memberships at the npp, in rupiah.';
COMMENT ON COLUMN marts.mart_company_compliance.porsi_upah_le_umk IS 'Share (0 to 1) of active PU memberships whose reported wage is at or below the UMK (within the tolerance).';
COMMENT ON COLUMN marts.mart_company_compliance.program_wajib IS 'Programs required for the company size - JKK+JKM+JHT+JP for MENENGAH and BESAR, JKK+JKM+JHT otherwise.';
COMMENT ON COLUMN marts.mart_company_compliance.porsi_tanpa_program_wajib IS 'Share (0 to 1) of active PU memberships lacking a required program (the most-missed required program).';
COMMENT ON COLUMN marts.mart_company_compliance.didaftarkan_ulang IS 'Persons deactivated at the npp and registered there again this month under a new kpj, within the rotation window.';
COMMENT ON COLUMN marts.mart_company_compliance.is_pwbd IS 'PWBD (Perusahaan Wajib Belum Daftar) - an obliged company with no npp or no active PU participant.';
COMMENT ON COLUMN marts.mart_company_compliance.is_pds_tk IS 'PDS TK (Perusahaan Daftar Sebagian, tenaga kerja) - registers only part of the workers it reports in WLKP.';
COMMENT ON COLUMN marts.mart_company_compliance.is_pds_upah IS 'PDS Upah - a medium or large company reporting most wages at or below the UMK.';
COMMENT ON COLUMN marts.mart_company_compliance.is_pds_program IS 'PDS Program - a large share of memberships lack a program required for the company size.';
COMMENT ON COLUMN marts.mart_company_compliance.is_penurunan_mendadak IS 'Sudden drop - participants fell sharply since the previous month while WLKP did not (raises an alert, not a category).';
COMMENT ON COLUMN marts.mart_company_compliance.is_rotasi IS 'Rotation - at least one worker deactivated and re-registered at the same npp under a new kpj within the rotation window (raises an alert, not a category; small cases at lower severity).';
COMMENT ON COLUMN marts.mart_company_compliance.kategori_kepatuhan IS 'Compliance category - TIDAK_WAJIB (not obliged), PWBD, PDS (any PDS flag) or PATUH (compliant).';

COMMENT ON TABLE marts.alerts IS
'Alerts for labour inspectors - one per rule, subject (company or desa) and month, with a deterministic id. Lifecycle - new (first month raised), ongoing (raised the month before too), resolved (no longer raised). Delivery state per channel is in audit.alert_delivery.';
COMMENT ON COLUMN marts.alerts.alert_id IS 'Deterministic id of the alert (hash of rule, subject and month).';
COMMENT ON COLUMN marts.alerts.rule IS 'Rule that raised it (PWBD, PDS_TK, PDS_UPAH, PDS_PROGRAM, PENURUNAN_MENDADAK, ROTASI).';
COMMENT ON COLUMN marts.alerts.subject_type IS 'Kind of subject - company or desa.';
COMMENT ON COLUMN marts.alerts.subject_id IS 'The subject - nib of a company or kode_desa of a desa.';
COMMENT ON COLUMN marts.alerts.subject_name IS 'Subject name.';
COMMENT ON COLUMN marts.alerts.npp IS 'Employer registration number of a company subject.';
COMMENT ON COLUMN marts.alerts.kode_desa IS 'Desa of the subject.';
COMMENT ON COLUMN marts.alerts.periode IS 'Month the alert is raised for, YYYY-MM.';
COMMENT ON COLUMN marts.alerts.severity IS 'Severity - tinggi (high) or sedang (medium).';
COMMENT ON COLUMN marts.alerts.status IS 'Lifecycle status - new, ongoing or resolved.';
COMMENT ON COLUMN marts.alerts.first_periode IS 'First month of the unbroken run of this alert.';
COMMENT ON COLUMN marts.alerts.resolved_periode IS 'Month that resolved it (empty while open).';
COMMENT ON COLUMN marts.alerts.evidence IS 'JSON object with the numbers that triggered the alert.';
COMMENT ON COLUMN marts.alerts.message IS 'Indonesian text sent to inspectors.';

COMMENT ON TABLE marts.mart_pipeline_health IS
'Pipeline health for data engineers and BI dashboards. One row per source and partition (enrollment month YYYY-MM, reference or village budget year, registry extract) with its latest warehouse load from audit.run_audit - rows read, valid and quarantined, the quarantine share, the Great Expectations outcome and its Data Docs page, how long the batch took and how fresh the data is. Rebuilt after every warehouse refresh, freshness measured at refreshed_at.';
COMMENT ON COLUMN marts.mart_pipeline_health.source IS 'Source of the batch - enrollment, reference/tenaga_kerja_desa, reference/non_asn, reference/umk, registry or village_budget.';
COMMENT ON COLUMN marts.mart_pipeline_health.partition_value IS 'Lake partition - the month YYYY-MM, the year YYYY, all (UMK table) or the registry extract id.';
COMMENT ON COLUMN marts.mart_pipeline_health.source_file IS 'Name of the delivered file the partition was read from.';
COMMENT ON COLUMN marts.mart_pipeline_health.last_run_id IS 'Airflow run id of the warehouse run that loaded the partition last.';
COMMENT ON COLUMN marts.mart_pipeline_health.loads IS 'Warehouse runs that loaded this partition so far (more than 1 after re-deliveries or reloads).';
COMMENT ON COLUMN marts.mart_pipeline_health.loaded_at IS 'When the warehouse loaded the partition last (database time).';
COMMENT ON COLUMN marts.mart_pipeline_health.rows_read IS 'Rows read from the source file, always rows_valid plus rows_quarantined.';
COMMENT ON COLUMN marts.mart_pipeline_health.rows_valid IS 'Rows that passed every error rule and were written to the lake.';
COMMENT ON COLUMN marts.mart_pipeline_health.rows_quarantined IS 'Rows set aside in the quarantine with the rules they broke.';
COMMENT ON COLUMN marts.mart_pipeline_health.rows_loaded IS 'Rows of the partition in the core layer after the load (equals rows_valid).';
COMMENT ON COLUMN marts.mart_pipeline_health.quarantine_share IS 'Share of the rows read that were quarantined, 0 to 1 (empty for an empty file).';
COMMENT ON COLUMN marts.mart_pipeline_health.validation_success IS 'Great Expectations outcome of the batch - true when no row broke an error rule (warnings do not count).';
COMMENT ON COLUMN marts.mart_pipeline_health.batch_seconds IS 'Seconds the batch took to read, validate (including its Data Docs) and write to the lake.';
COMMENT ON COLUMN marts.mart_pipeline_health.rows_per_second IS 'Throughput of the batch = rows_read / batch_seconds.';
COMMENT ON COLUMN marts.mart_pipeline_health.validation_report IS 'Path of the JSON validation report (rule counts) of the batch.';
COMMENT ON COLUMN marts.mart_pipeline_health.data_docs IS 'Path of the Great Expectations Data Docs page of the batch (empty if it could not be built).';
COMMENT ON COLUMN marts.mart_pipeline_health.period_end IS 'First day after the period the partition covers (month or year), empty for partitions that are not a period.';
COMMENT ON COLUMN marts.mart_pipeline_health.refreshed_at IS 'When this mart was rebuilt, the moment the freshness columns are measured at.';
COMMENT ON COLUMN marts.mart_pipeline_health.hours_since_load IS 'Hours from loaded_at to refreshed_at.';
COMMENT ON COLUMN marts.mart_pipeline_health.days_since_period_end IS 'Age of the data - days from period_end to refreshed_at, negative while the period is still running (empty when period_end is).';
