"""Stage a run's lake partitions in its private build (the dbt sources ``lake_<dataset>``).

On DuckDB a view over the partitions' Parquet files: no copy of a local lake (copying a month
took as long as the insert that reads it, ``benchmarks/load_breakdown.py``). A lake on an
object store is another matter: dbt (another process) reads the build's views, and DuckDB here
cannot open an ``s3://`` URL (its httpfs extension is downloaded at run time; no internet), so
the files each partition's manifest lists are fetched first into the run's private scratch
folder and the views made over those. On PostgreSQL a table filled by COPY FROM STDIN,
streamed in record batches from the lake or the store (bounded memory). A dataset with
nothing to load is staged empty, with its lake schema, so every model has its columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj import sources
from ucj.io.lake import data_files, local_files
from ucj.warehouse.scope import Scope, dataset

AUDIT_COLUMNS = ["dataset", "run_id", "source", "partition_value", "source_file", "rows_read",
                 "rows_valid", "rows_quarantined", "validation_success", "validation_report",
                 "data_docs", "batch_seconds"]


def staged() -> list[tuple[str, str, pa.Schema]]:
    """(dataset, dbt source name, lake schema) of every source: ``staging.apbdes`` is staged
    as the dbt source ``lake_apbdes``."""
    return [(dataset(s), "lake_" + s.staging_table.split(".", 1)[1], s.lake_schema())
            for s in sources.SOURCES]


def _pg_type(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "VARCHAR"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_integer(t):
        return "INTEGER"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    if pa.types.is_floating(t):
        return "DOUBLE PRECISION"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    raise TypeError(f"no SQL type for {t}")


def _quoted(text: str) -> str:
    """A SQL string literal (DuckDB and PostgreSQL both double a quote inside one)."""
    return "'" + str(text).replace("'", "''") + "'"


def audit_frames(scope: Scope, run_id: str, vars_: dict) -> dict[str, pd.DataFrame]:
    runs = pd.DataFrame([{
        "dataset": p.dataset, "run_id": run_id, "source": p.manifest["source"],
        "partition_value": p.value,
        "source_file": p.manifest["source_file"], "rows_read": p.manifest["rows_read"],
        "rows_valid": p.manifest["rows_valid"],
        "rows_quarantined": p.manifest["rows_quarantined"],
        "validation_success": p.manifest["validation_success"],
        "validation_report": p.manifest["validation_report"],
        "data_docs": p.manifest.get("data_docs"),
        "batch_seconds": p.manifest.get("seconds")} for p in scope.parts],
        columns=AUDIT_COLUMNS)
    runs = runs.astype({"rows_read": "int64", "rows_valid": "int64",
                        "rows_quarantined": "int64", "batch_seconds": "float64",
                        "validation_success": "boolean"})
    loads = pd.DataFrame([{"dataset": p.dataset, "partition_value": p.value,
                           "checksum": p.checksum} for p in scope.parts if p.checksum],
                         columns=["dataset", "partition_value", "checksum"])
    return {"lake_run_audit": runs, "lake_reference_load": loads.astype("string"),
            "lake_scope": pd.DataFrame({"scope": [json.dumps(vars_)]}, dtype="string")}


def stage_duckdb(con, scope: Scope, run_id: str, vars_: dict, scratch: Path) -> None:
    """Views over the lake partitions in the build file ``con`` holds, and the run's audit.
    ``scratch``: the run's private folder for the files of a lake on an object store (kept
    until the publish has read them: fct_participant_month is a view over them); a local
    lake's files are viewed where they are."""
    for name_of, name, schema in staged():
        parts = scope.of(name_of)
        if not parts:
            empty = pa.Table.from_pylist([], schema.append(pa.field("_partition", pa.string())))
            con.register("_ucj_empty", empty)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _ucj_empty")
            con.unregister("_ucj_empty")
            continue
        selects = []
        for p in parts:
            files = local_files(data_files(p.path), scratch / name / p.value)
            files = ", ".join(_quoted(f) for f in files)
            # the folder's key=value names must not override the file's own columns
            selects.append(f"SELECT *, {_quoted(p.value)} AS _partition FROM read_parquet("
                           f"[{files}], hive_partitioning = false)")
        con.execute(f"CREATE VIEW {name} AS " + " UNION ALL ".join(selects))
    for name, df in audit_frames(scope, run_id, vars_).items():
        con.register("_ucj_frame", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _ucj_frame")
        con.unregister("_ucj_frame")


def stage_postgres(s, schema: str, scope: Scope, run_id: str, vars_: dict) -> None:
    """Tables in the build schema ``schema``, filled by COPY (``s``: a PostgresSession)."""
    for name_of, table, arrow in staged():
        name = f"{schema}.{table}"
        cols = ", ".join(f"{f.name} {_pg_type(f.type)}" for f in arrow)
        s.execute(f"CREATE TABLE {name} ({cols}, _partition VARCHAR)")
        for p in scope.of(name_of):
            # the partition's value on each row it copies, without a second pass over them
            s.execute(f"ALTER TABLE {name} ALTER COLUMN _partition SET DEFAULT "
                      f"{_quoted(p.value)}")
            s.insert_parquet(name, str(p.path))
    frames = audit_frames(scope, run_id, vars_)
    s.execute(f"CREATE TABLE {schema}.lake_run_audit (dataset VARCHAR, run_id VARCHAR, "
              "source VARCHAR, partition_value VARCHAR, source_file VARCHAR, rows_read BIGINT, "
              "rows_valid BIGINT, rows_quarantined BIGINT, validation_success BOOLEAN, "
              "validation_report VARCHAR, data_docs VARCHAR, batch_seconds DOUBLE PRECISION)")
    s.execute(f"CREATE TABLE {schema}.lake_reference_load (dataset VARCHAR, "
              "partition_value VARCHAR, checksum VARCHAR)")
    s.execute(f"CREATE TABLE {schema}.lake_scope (scope VARCHAR)")
    for name, df in frames.items():
        s.insert_frame(f"{schema}.{name}", df)
