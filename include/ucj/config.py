"""Where things live and which secrets to use.

Values come from the environment (``UCJ_*``) so the package runs without Airflow; the DAGs
resolve the same settings from Airflow variables and connections (``ucj.airflow_settings``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ucj.io import store

DEFAULT_HOME = Path(os.environ.get("UCJ_HOME", Path.cwd() / ".local"))


@dataclass(frozen=True)
class Settings:
    landing_zone: str  # a local folder or an fsspec URL (s3://, gcs://, ...)
    lake: Path | Any  # a local folder (Path) or an object store URL (upath.UPath): ucj.io.store
    validation_dir: Path
    warehouse_url: str  # duckdb:///abs/path.duckdb or postgresql://...
    pseudonym_key: str

    @property
    def sql_dir(self) -> Path:
        return sql_dir()


def parameters(defaults: dict, overrides: dict | str | None, env: str, what: str) -> dict:
    """``defaults`` updated by ``overrides`` (a dict or JSON text, e.g. an Airflow variable),
    else by the JSON in the environment variable ``env``; a key ``defaults`` lacks is a
    ``KeyError`` naming ``what`` (a typo would otherwise leave the default silently)."""
    if overrides is None:
        overrides = os.environ.get(env)
    if isinstance(overrides, str):
        overrides = json.loads(overrides) if overrides.strip() else {}
    unknown = set(overrides or {}) - defaults.keys()
    if unknown:
        raise KeyError(f"unknown {what}: {sorted(unknown)}")
    return {**defaults, **(overrides or {})}


def sql_dir() -> Path:
    """``include/sql`` beside the package, or ``UCJ_SQL_DIR`` when installed elsewhere."""
    override = os.environ.get("UCJ_SQL_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "sql"


def from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("UCJ_HOME", DEFAULT_HOME))
    data = home / "data"
    key = env.get("UCJ_PSEUDONYM_KEY", "")
    if not key:
        raise MissingSecret("UCJ_PSEUDONYM_KEY (or Airflow connection ucj_pseudonym) is not set")
    return Settings(
        landing_zone=env.get("UCJ_LANDING_ZONE", str(data / "landing")),
        lake=store.location(env.get("UCJ_LAKE") or data / "lake"),
        validation_dir=Path(env.get("UCJ_VALIDATION_DIR", data / "validation")),
        warehouse_url=env.get("UCJ_WAREHOUSE_URL", f"duckdb:///{data / 'warehouse.duckdb'}"),
        pseudonym_key=key,
    )


class MissingSecret(RuntimeError):
    """A secret the pipeline needs is not configured; it is never defaulted in code."""
