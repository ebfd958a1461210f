-- On DuckDB the month being loaded, staging.enrollment, is a view over its lake partition
-- that exists only inside the month's load (DuckDBSession.stage_parquet): copying the month
-- into a table took as long as the insert into core that reads it. A warehouse created
-- before this had an (empty) table of that name.
DROP TABLE IF EXISTS staging.enrollment;
