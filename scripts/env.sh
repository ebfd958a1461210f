#!/usr/bin/env bash
# Environment of the embedded default: SQLite Airflow metadata, DuckDB warehouse, local lake.
# Every value can be overridden from the caller's environment (see README "Configuration").
# Usage: scripts/env.sh COMMAND [ARGS...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export UCJ_HOME="${UCJ_HOME:-$ROOT/.local}"
export UCJ_LANDING_ZONE="${UCJ_LANDING_ZONE:-$UCJ_HOME/data/landing}"
export UCJ_LAKE="${UCJ_LAKE:-$UCJ_HOME/data/lake}"
export UCJ_VALIDATION_DIR="${UCJ_VALIDATION_DIR:-$UCJ_HOME/data/validation}"
export UCJ_WAREHOUSE_URL="${UCJ_WAREHOUSE_URL:-duckdb:///$UCJ_HOME/data/warehouse.duckdb}"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$UCJ_HOME/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$ROOT/dags}"
export AIRFLOW__CORE__PLUGINS_FOLDER="${AIRFLOW__CORE__PLUGINS_FOLDER:-$ROOT/plugins}"
export AIRFLOW__CORE__LOAD_EXAMPLES="${AIRFLOW__CORE__LOAD_EXAMPLES:-False}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
# Airflow's LocalExecutor, with Great Expectations imported once in the scheduler for the
# tasks it forks (include/ucj/local_executor.py)
export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-ucj.local_executor.PreloadLocalExecutor}"
export AIRFLOW__CORE__UNIT_TEST_MODE="${AIRFLOW__CORE__UNIT_TEST_MODE:-False}"
export GX_ANALYTICS_ENABLED=False
mkdir -p "$UCJ_HOME" "$AIRFLOW_HOME"
# The pseudonymisation secret is never in the repo: a local one is made on first use.
if [ -z "${UCJ_PSEUDONYM_KEY:-}" ]; then
  KEY_FILE="$UCJ_HOME/pseudonym.key"
  [ -s "$KEY_FILE" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEY_FILE")
  export UCJ_PSEUDONYM_KEY="$(cat "$KEY_FILE")"
fi
export PATH="$ROOT/.venv/bin:$PATH"
exec "$@"
