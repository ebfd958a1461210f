-- Role bi_reader for BI tools: granted CONNECT on this database only, USAGE on schema marts and
-- SELECT on its tables (those there now and those created later), nothing on core or
-- audit, read-only sessions. Other roles lose the CONNECT and TEMPORARY every role has here by
-- default. Other databases of the cluster are not this script's: grant_bi_reader names those
-- that still let every role (bi_reader too) connect.
-- PostgreSQL only. Run by ucj.warehouse.postgres_backend.grant_bi_reader after the warehouse
-- DDL, as the role that owns the database and creates the marts tables, which needs CREATEROLE
-- (or superuser) for the role statements. Idempotent: re-running sets the password again.
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

-- This database: PostgreSQL gives CONNECT and TEMPORARY on every new database to PUBLIC, i.e.
-- to every role of the cluster, bi_reader included. Here only the roles granted below (and the
-- owner) connect, as docker/postgres/initdb/sql/ucj_warehouse.sql does for compose. bi_reader
-- gets CONNECT alone: its transactions are read-only, where PostgreSQL refuses CREATE TEMP
-- TABLE anyway, so TEMPORARY would only be a right it cannot use. Marts first on its path.
-- REVOKE by a role that does not own the database only warns: checked, so a lock that did not
-- take fails the grant instead of leaving the warehouse open.
DO $$
DECLARE
    db text := current_database();
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db);
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM bi_reader', db);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO bi_reader', db);
    EXECUTE format('ALTER ROLE bi_reader IN DATABASE %I SET search_path = marts', db);
    IF has_database_privilege('public', db, 'CONNECT')
            OR has_database_privilege('public', db, 'TEMPORARY') THEN
        RAISE EXCEPTION 'every role may still connect to database %: run this as its owner', db;
    END IF;
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
REVOKE ALL ON ALL TABLES IN SCHEMA core, audit FROM bi_reader;
REVOKE ALL ON SCHEMA core, audit FROM bi_reader;
-- Schema staging of warehouses from before the dbt project (the private builds of today's
-- loads, schemas ucj_build_*, are never granted to anyone).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'staging') THEN
        EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA staging FROM bi_reader';
        EXECUTE 'REVOKE ALL ON SCHEMA staging FROM bi_reader';
    END IF;
END
$$;
