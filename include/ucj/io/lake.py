"""The Parquet lake: one folder per dataset and partition, replaced atomically.

A partition is written beside its final place and swapped in with renames, so a reader (or a
warehouse load) sees the previous partition or the new one, never a half-written one.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 250_000


def partition_dir(lake: Path, dataset: str, key: str, value: str) -> Path:
    return Path(lake) / dataset / f"{key}={value}"


class PartitionWriter:
    """Stream record batches into ``<lake>/<dataset>/<key>=<value>/data.parquet``."""

    def __init__(self, lake: Path, dataset: str, key: str, value: str, schema: pa.Schema):
        self.final = partition_dir(lake, dataset, key, value)
        self.tmp = self.final.with_name(f".{self.final.name}.{uuid.uuid4().hex}.tmp")
        self.schema = schema
        self.rows = 0
        self._writer = None

    def __enter__(self) -> PartitionWriter:
        self.tmp.mkdir(parents=True)
        self._writer = pq.ParquetWriter(self.tmp / "data.parquet", self.schema,
                                        compression="zstd")
        return self

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.cast(self.schema), row_group_size=ROW_GROUP_ROWS)
            self.rows += table.num_rows

    def __exit__(self, exc_type, exc, tb) -> None:
        self._writer.close()
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self, manifest: dict | None = None) -> Path:
        if manifest is not None:
            (self.tmp / "_manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        swap_in(self.tmp, self.final)
        return self.final


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
