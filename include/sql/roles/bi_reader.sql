-- Role bi_reader for BI tools: USAGE on schema marts and SELECT on its tables (those there
-- now and those created later), nothing on staging, core or audit, read-only sessions.
-- PostgreSQL only. Run by ucj.warehouse.postgres_backend.grant_bi_reader after the warehouse
-- DDL, as the role that owns and creates the marts tables, which needs CREATEROLE (or
-- superuser) for the role statements. Idempotent: re-running sets the password again.
-- The password is the bound parameter named password (a SCRAM verifier), never written here.

-- The role, created once (a concurrent creation by another session is not an error).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_reader') THEN
        CREATE ROLE bi_reader LOGIN NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;

ALTER ROLE bi_reader WITH LOGIN NOINHERIT PASSWORD :password;
ALTER ROLE bi_reader SET default_transaction_read_only = on;

-- This database: connect, with marts first on the search path.
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO bi_reader', current_database());
    EXECUTE format('ALTER ROLE bi_reader IN DATABASE %I SET search_path = marts',
                   current_database());
END
$$;

-- marts: read only, today and for the tables the pipeline creates later.
GRANT USAGE ON SCHEMA marts TO bi_reader;
REVOKE CREATE ON SCHEMA marts FROM bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA marts TO bi_reader;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON ALL TABLES IN SCHEMA marts FROM bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA marts GRANT SELECT ON TABLES TO bi_reader;

-- Nothing elsewhere (undoes any earlier grant made by this role).
REVOKE ALL ON ALL TABLES IN SCHEMA staging, core, audit FROM bi_reader;
REVOKE ALL ON SCHEMA staging, core, audit FROM bi_reader;
