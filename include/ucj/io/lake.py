"""The Parquet lake: one folder per dataset and partition, replaced atomically.

A partition is written beside its final place and swapped in with renames, so a reader (or a
warehouse load) sees the previous partition or the new one, never a half-written one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 250_000
STALE_STAGING_SECONDS = 2 * 24 * 3600


def partition_dir(lake: Path, dataset: str, key: str, value: str) -> Path:
    return Path(lake) / dataset / f"{key}={value}"


class _ParquetSink:
    schema: pa.Schema
    rows: int
    _writer: pq.ParquetWriter | None

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.cast(self.schema), row_group_size=ROW_GROUP_ROWS)
            self.rows += table.num_rows


class PartitionWriter(_ParquetSink):
    """Stream record batches into ``<lake>/<dataset>/<key>=<value>/data.parquet``."""

    def __init__(self, lake: Path, dataset: str, key: str, value: str, schema: pa.Schema):
        self.final = partition_dir(lake, dataset, key, value)
        self.tmp = _tmp_beside(self.final)
        self.schema = schema
        self.rows = 0
        self._writer = None

    def __enter__(self) -> PartitionWriter:
        self.tmp.mkdir(parents=True)
        self._writer = pq.ParquetWriter(self.tmp / "data.parquet", self.schema,
                                        compression="zstd")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._writer.close()
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self, manifest: dict | None = None) -> Path:
        if manifest is not None:
            (self.tmp / "_manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        swap_in(self.tmp, self.final)
        return self.final


class PartWriter(_ParquetSink):
    """Stream one part of a partition into ``<folder>/<name>`` (a part validated on its own,
    committed later with the others by :func:`commit_parts`)."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path, self.schema, self.rows, self._writer = Path(path), schema, 0, None

    def __enter__(self) -> PartWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._writer.close()
        if exc_type is not None:
            self.path.unlink(missing_ok=True)


def staging_dir(lake: Path, dataset: str, key: str, value: str) -> Path:
    """A fresh folder for the parts of one partition, on the lake's file system (so parts
    move into the partition by rename), hidden from partition globs."""
    folder = Path(lake) / ".staging" / dataset / f"{key}={value}" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def remove_stale_staging(lake: Path, dataset: str, key: str, value: str,
                         older_than: float = STALE_STAGING_SECONDS) -> None:
    """Remove what runs of this partition left behind when they were killed: part folders
    and half-written partitions (``.<name>.<id>.tmp``). A run in progress is younger than
    ``older_than``."""
    root = Path(lake) / ".staging" / dataset / f"{key}={value}"
    final = partition_dir(lake, dataset, key, value)
    left = [*(root.glob("*") if root.exists() else []),
            *(final.parent.glob(f".{final.name}.*.tmp") if final.parent.exists() else [])]
    for folder in left:
        if time.time() - folder.stat().st_mtime > older_than:
            shutil.rmtree(folder, ignore_errors=True)


def commit_parts(parts: list[Path], lake: Path, dataset: str, key: str, value: str,
                 manifest: dict) -> Path:
    """Move part files into a new partition folder and swap it in (the parts' names are
    kept: ``part-00000.parquet``, ...)."""
    final = partition_dir(lake, dataset, key, value)
    tmp = _tmp_beside(final)
    tmp.mkdir(parents=True)
    for part in parts:
        os.replace(part, tmp / Path(part).name)
    (tmp / "_manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    swap_in(tmp, final)
    return final


def _tmp_beside(final: Path) -> Path:
    return final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")


def swap_in(tmp: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def data_files(path: Path) -> list[Path]:
    """A partition folder's Parquet files (``data.parquet``, or one file per part when a month
    was validated in parallel parts: ``part-00000.parquet``, ...); a file path is itself."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    files = sorted(path.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no Parquet file in {path}")
    return files


def read_manifest(partition: Path) -> dict:
    return json.loads((Path(partition) / "_manifest.json").read_text())
