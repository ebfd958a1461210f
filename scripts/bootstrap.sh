#!/usr/bin/env bash
# Create the project's virtual environment from the pinned requirements, if it is missing or
# out of date, and dbt's own (.venv-dbt). Idempotent: a second call with unchanged
# requirements does nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3
STAMP="$VENV/.requirements.sha256"
WANT="$(cat "$ROOT/requirements.txt" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if ! { [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; }; then
  echo "Setting up $VENV (pinned requirements; a minute or two the first time)..."
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade "pip==26.3"
  # requirements.txt: the pinned runtime set (what the production image installs). The project
  # itself with its dev extra (pytest, ruff, aiosmtpd: tests, lint, the demo's mail server),
  # every version held to those pins (-c) and the extra's own.
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt"
  "$VENV/bin/python" -m pip install --quiet --no-build-isolation -c "$ROOT/requirements.txt" \
    -e "$ROOT[dev]"
  echo "$WANT" > "$STAMP"
fi

# dbt in a virtual environment of its own (README "dbt"): dbt-core 1.11 does not resolve beside
# Airflow 3.3 (pathspec); dbt-core 1.12 needs a parser binary downloaded at build time.
DBT_VENV="$ROOT/.venv-dbt"
DBT_STAMP="$DBT_VENV/.requirements.sha256"
DBT_WANT="$(sha256sum "$ROOT/requirements-dbt.txt" | cut -d' ' -f1)"
if ! { [ -x "$DBT_VENV/bin/dbt" ] && [ -f "$DBT_STAMP" ] && [ "$(cat "$DBT_STAMP")" = "$DBT_WANT" ]; }; then
  echo "Setting up $DBT_VENV (dbt, pinned)..."
  [ -x "$DBT_VENV/bin/python" ] || "$PY" -m venv "$DBT_VENV"
  "$DBT_VENV/bin/python" -m pip install --quiet --upgrade "pip==26.3"
  "$DBT_VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements-dbt.txt"
  echo "$DBT_WANT" > "$DBT_STAMP"
fi
