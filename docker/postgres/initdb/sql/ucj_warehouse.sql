-- Warehouse database and roles; run by ../10-ucj-warehouse.sh with psql (not directly by the
-- postgres image: this folder is skipped by its init loop). Idempotent.
--
-- Roles:
--   ucj_etl    owner of database ucj_warehouse and of its schemas: the pipeline's login
--              (Airflow connection ucj_warehouse).
--   bi_reader  BI tools: CONNECT on the database, USAGE on schema marts and SELECT on its
--              tables and views, nothing else; read-only transactions.
-- Passwords are read from the environment (\getenv), never written here.

\set ON_ERROR_STOP on
\getenv etl_password UCJ_WAREHOUSE_PASSWORD
\getenv bi_password BI_READER_PASSWORD

-- ---------------------------------------------------------------- roles
SELECT 'CREATE ROLE ucj_etl'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ucj_etl')
\gexec
ALTER ROLE ucj_etl WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'etl_password';

SELECT 'CREATE ROLE bi_reader'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader')
\gexec
ALTER ROLE bi_reader WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    NOINHERIT PASSWORD :'bi_password';
ALTER ROLE bi_reader SET default_transaction_read_only = on;

-- ---------------------------------------------------------------- database
SELECT 'CREATE DATABASE ucj_warehouse OWNER ucj_etl'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ucj_warehouse')
\gexec

-- PostgreSQL lets every role (PUBLIC) connect to, and make temporary tables in, every database
-- it creates. Here only the roles granted below may connect to the warehouse, bi_reader without
-- temporary tables (its transactions are read-only); nobody but the superuser `airflow` to the
-- Airflow metadata database, nor to the server's own `postgres` and `template1`: so bi_reader
-- (and ucj_etl) reach the warehouse and no other database of this server.
-- include/sql/roles/bi_reader.sql does the same to the warehouse outside compose.
REVOKE ALL ON DATABASE ucj_warehouse FROM PUBLIC;
REVOKE ALL ON DATABASE airflow FROM PUBLIC;
REVOKE ALL ON DATABASE postgres FROM PUBLIC;
REVOKE ALL ON DATABASE template1 FROM PUBLIC;
GRANT CONNECT ON DATABASE ucj_warehouse TO bi_reader;

\connect ucj_warehouse

-- ---------------------------------------------------------------- schemas
-- staging -> core -> marts (include/sql/*), audit (run audit); all owned by the pipeline.
CREATE SCHEMA IF NOT EXISTS staging AUTHORIZATION ucj_etl;
CREATE SCHEMA IF NOT EXISTS core AUTHORIZATION ucj_etl;
CREATE SCHEMA IF NOT EXISTS marts AUTHORIZATION ucj_etl;
CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION ucj_etl;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- ---------------------------------------------------------------- bi_reader: marts only
GRANT USAGE ON SCHEMA marts TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA marts TO bi_reader;
-- tables and views the pipeline creates (or re-creates) in marts later
ALTER DEFAULT PRIVILEGES FOR ROLE ucj_etl IN SCHEMA marts GRANT SELECT ON TABLES TO bi_reader;
ALTER ROLE bi_reader IN DATABASE ucj_warehouse SET search_path = marts;
