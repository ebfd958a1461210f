#!/usr/bin/env bash
# Creates the warehouse database `ucj_warehouse` and its roles next to the Airflow metadata
# database, on the same PostgreSQL server.
#
# The postgres image runs this once, on the first start with an empty data volume (it is
# mounted in /docker-entrypoint-initdb.d). It is idempotent, so it can be re-run to apply
# changed passwords:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-ucj-warehouse.sh
#
# Passwords come from the container's environment (set from .env by docker-compose.yml) and
# reach the SQL as psql variables: they never appear in a file or on a command line.
# No `set -u` / `exit`: the image may source this file into its own entrypoint.
set -e

: "${UCJ_WAREHOUSE_PASSWORD:?UCJ_WAREHOUSE_PASSWORD is not set (see .env.example)}"
: "${BI_READER_PASSWORD:?BI_READER_PASSWORD is not set (see .env.example)}"

UCJ_INITDB_SQL="$(dirname "${BASH_SOURCE[0]}")/sql/ucj_warehouse.sql"

# The password values go through the environment, not argv (visible in `ps`): psql's
# \getenv (PostgreSQL 15+) reads them into variables inside the SQL file.
psql -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" \
    --dbname "${POSTGRES_DB:-postgres}" \
    --file "${UCJ_INITDB_SQL}"
