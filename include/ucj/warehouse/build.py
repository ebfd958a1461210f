"""A warehouse run: stage the lake partitions in a private build, ``dbt build`` there,
publish in one transaction (ucj.warehouse.publish), then the alerts (their own step).

DuckDB: the build is a file of its own in dbt's work folder (owner-only), the warehouse
attached to dbt read-only; the loader holds no connection to the warehouse while dbt runs
(DuckDB allows one writing process), then attaches the build to publish. PostgreSQL: the build
is a schema of its own in the warehouse database, dropped with the publish.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ucj.warehouse import dbt, publish, stage
from ucj.warehouse.base import Warehouse
from ucj.warehouse.scope import Scope

BUILD_SCHEMA = "ucj_build"
# DuckDB names a file's catalog by its stem, and dbt writes every ref of the build as
# "<catalog>"."main"."<model>": the views the build keeps (fct_participant_month over the
# staged partitions) resolve at publish only when the build is attached under that same name.
BUILD_FILE = f"{BUILD_SCHEMA}.duckdb"


def _work(backend: str) -> Path:
    return dbt.work_dir() / backend


def target_of(url: str) -> tuple[str, Path]:
    """The dbt target and target folder of the warehouse at ``url`` (where its last build's
    manifest and run_results.json are)."""
    if url.startswith("duckdb://"):
        return "duckdb", _work("duckdb") / "target"
    from psycopg2.extensions import parse_dsn

    from ucj.warehouse.postgres_backend import _dsn

    return "postgres", _work("postgres") / parse_dsn(_dsn(url)).get("dbname", "ucj") / "target"


def docs(url: str, out_dir: Path) -> Path:
    """The dbt docs site of the warehouse's last build, written to ``out_dir``."""
    backend, target = target_of(url)
    return dbt.docs(out_dir, target, backend)


def build_and_publish(wh: Warehouse, scope: Scope, run_id: str) -> dict:
    vars_ = scope.dbt_vars()
    if wh.backend == "duckdb":
        return _duckdb(wh, scope, vars_, run_id)
    return _postgres(wh, scope, vars_, run_id)


def _duckdb(wh, scope: Scope, vars_: dict, run_id: str) -> dict:
    # dbt re-parses the whole project (~10 s) whenever its profile changes, so the profile
    # names fixed paths: the build file, and a link to the warehouse being loaded. One build
    # at a time per work folder (the lock), as one writer at a time per warehouse.
    work = _work("duckdb")
    build, link = work / BUILD_FILE, work / "warehouse.duckdb"
    with _locked(work / ".lock"):
        _remove(build)
        old = os.umask(0o077)  # the build holds person keys: owner-only, as the warehouse
        try:
            con = duckdb.connect(str(build))
        finally:
            os.umask(old)
        try:
            stage.stage_duckdb(con, scope, run_id, vars_, scratch=work / "lake")
        finally:
            con.close()
        link.unlink(missing_ok=True)
        link.symlink_to(Path(wh.path).resolve())
        try:
            with wh.released():
                result = dbt.run(["build", "--target", "duckdb"], {
                    "UCJ_DBT_TARGET": "duckdb", "UCJ_DBT_BUILD_PATH": str(build),
                    "UCJ_DBT_WAREHOUSE_PATH": str(link)}, work / "target")
            models = dbt.publishable(work / "target")
            catalog = Path(BUILD_FILE).stem
            with wh.transaction() as s:
                s.execute(f"ATTACH '{_escape(build)}' AS {catalog} (READ_ONLY)")
                counts = publish.publish(s, f"{catalog}.main", models, vars_, catalog)
            wh.con.execute(f"DETACH {catalog}")
            wh.reconnect()  # what it published, read right (DuckDBWarehouse.reconnect)
        finally:
            link.unlink(missing_ok=True)
            _remove(build)
            shutil.rmtree(work / "lake", ignore_errors=True)  # a store's files, fetched
    return {"dbt_seconds": result.seconds, "published": counts, "nodes": result.nodes}


def _remove(build: Path) -> None:
    for f in (build, Path(str(build) + ".wal")):
        f.unlink(missing_ok=True)


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _escape(path: Path) -> str:
    return str(path).replace("'", "''")


def _postgres(wh, scope: Scope, vars_: dict, run_id: str) -> dict:
    # A fixed schema name, as the DuckDB build's fixed paths: dbt re-parses the project when
    # its profile (the build schema among it) changes. One build at a time per warehouse: a
    # session-level advisory lock, held across the run's transactions, released on close.
    schema = BUILD_SCHEMA
    params = wh.conn.get_dsn_parameters()
    with wh.transaction() as s:
        s.execute("SELECT pg_advisory_lock(hashtext(:name))", {"name": BUILD_SCHEMA})
    try:
        with wh.transaction() as s:
            s.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")  # left by a killed run
            s.execute(f"CREATE SCHEMA {schema}")
            stage.stage_postgres(s, schema, scope, run_id, vars_)
        # a target folder per database: dbt re-parses when the profile changes
        target = _work("postgres") / params.get("dbname", "ucj") / "target"
        result = dbt.run(["build", "--target", "postgres"], {
            "UCJ_DBT_TARGET": "postgres", "UCJ_DBT_BUILD_SCHEMA": schema,
            "UCJ_DBT_PG_HOST": params.get("host", "127.0.0.1"),
            "UCJ_DBT_PG_PORT": params.get("port", "5432"),
            "UCJ_DBT_PG_USER": params.get("user", "postgres"),
            "UCJ_DBT_PG_PASSWORD": wh.password or "",
            "UCJ_DBT_PG_DBNAME": params.get("dbname")}, target)
        models = dbt.publishable(target)
        with wh.transaction() as s:
            counts = publish.publish(s, schema, models, vars_)
            s.execute(f"DROP SCHEMA {schema} CASCADE")  # with the publish, or not at all
        with wh.transaction() as s:
            publish.analyze(s, models)
        return {"dbt_seconds": result.seconds, "published": counts, "nodes": result.nodes}
    finally:
        with wh.transaction() as s:
            s.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            s.execute("SELECT pg_advisory_unlock(hashtext(:name))", {"name": BUILD_SCHEMA})
