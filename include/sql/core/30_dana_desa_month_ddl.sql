-- Participants paid from village funds, one row per month and desa (every desa of the
-- wilayah, zeros included, so a month's rows exist once it has been summed). Built with the
-- month's other core tables from that month only; marts.mart_dana_desa sums a year's rows
-- instead of re-reading every month of the year from core.fct_participant_month.
CREATE TABLE IF NOT EXISTS core.fct_dana_desa_month (
    periode VARCHAR NOT NULL,
    kode_desa VARCHAR NOT NULL,
    peserta_perangkat BIGINT NOT NULL,         -- persons placed here whose row is PERANGKAT_DESA
    peserta_rentan BIGINT NOT NULL,            -- persons placed here with any other kategori
    iuran_perangkat DECIMAL(38, 2) NOT NULL,   -- their iuran (all their DANA_DESA rows)
    iuran_rentan DECIMAL(38, 2) NOT NULL,
    PRIMARY KEY (periode, kode_desa)
);
