-- The keys of the two largest core tables, on PostgreSQL only (the month's DELETE uses them).
-- DuckDB keeps a key's index in memory and cannot spill it: a national month (~48M cards)
-- does not fit the warehouse's memory cap with it (benchmarks/duckdb_key_memory.py). There
-- the load checks the month's keys instead (core/check_month_keys.sql). Named as the primary
-- keys of warehouses created before, so those are not indexed twice.
CREATE UNIQUE INDEX IF NOT EXISTS fct_participant_month_pkey
    ON core.fct_participant_month (periode, kpj);
CREATE UNIQUE INDEX IF NOT EXISTS fct_person_month_pkey
    ON core.fct_person_month (periode, person_key);
