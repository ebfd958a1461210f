"""The Parquet lake: one folder per dataset and partition, replaced atomically.

A partition is written beside its final place and swapped in with renames, so a reader (or a
warehouse load) sees the previous partition or the new one, never a half-written one.

Everything the lake writers make is the pipeline user's alone: files 0600, folders 0700. The
quarantine holds the rows as delivered (NIK, nama); the valid partitions hold no NIK or name
but kpj (the member's own number), birth date, upah and the person key, which the pseudonym
key on the same machine links back to a NIK: personal data too. Only the pipeline reads the
lake (warehouse loads stream it through the client, COPY FROM STDIN), so no other local user
needs it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from ucj.sources import Source

ROW_GROUP_ROWS = 250_000
STALE_STAGING_SECONDS = 2 * 24 * 3600
FILE_MODE = 0o600
DIR_MODE = 0o700
RAW = "raw"
QUARANTINE = "quarantine"
STAGING = ".staging"
MANIFEST = "_manifest.json"


# -- where things are: every path into the lake is made here -------------------------------
# <lake>/<dataset>/<key>=<value>/              valid rows of a partition (dataset = Source.name)
# <lake>/quarantine/<dataset>/<key>=<value>/   its quarantined rows
# <lake>/raw/<dataset>/<key>=<value>/sha256=<hex16>/<file>   the delivered files, as delivered
# <lake>/.staging/<dataset>/<key>=<value>/<id>/  parts of a partition being validated

def partition_name(key: str, value: str) -> str:
    return f"{key}={value}"


def partition_dir(lake: Path, dataset: str, key: str, value: str) -> Path:
    return Path(lake) / dataset / partition_name(key, value)


def quarantine_dataset(dataset: str) -> str:
    """The dataset holding ``dataset``'s quarantined rows (same keys and partitions)."""
    return f"{QUARANTINE}/{dataset}"


def quarantine_root(lake: Path, dataset: str | None = None) -> Path:
    root = Path(lake) / QUARANTINE
    return root / dataset if dataset else root


def lake_partition(lake: Path, source: Source, value: str) -> Path:
    """A source's valid partition ``value``."""
    return partition_dir(lake, source.name, source.partition_key, value)


def quarantine_partition(lake: Path, source: Source, value: str) -> Path:
    return partition_dir(lake, quarantine_dataset(source.name), source.partition_key, value)


def raw_root(lake: Path, source: Source) -> Path:
    return Path(lake) / RAW / source.name


def raw_dir(lake: Path, source: Source, value: str) -> Path:
    """Where partition ``value``'s deliveries are copied (``ucj.io.landing.copy_to_raw``
    adds ``sha256=<hex16>/<file>``)."""
    return raw_root(lake, source) / partition_name(source.partition_key, value)


def extract_state_dir(lake: Path, source: Source) -> Path:
    """An API source's extract state (the registry's watermark and claims)."""
    return raw_root(lake, source) / "_state"


def extracts_dir(lake: Path, source: Source) -> Path:
    """An API source's extracts as written by its client, before validation."""
    return raw_root(lake, source) / "extracts"


def committed_partitions(lake: Path, dataset: str, key: str) -> list[tuple[str, Path]]:
    """(value, folder) of every committed partition of ``dataset`` (one with its manifest;
    a partition being written or swapped out is hidden), in value order."""
    root = Path(lake) / dataset
    found = []
    for folder in sorted(root.glob(f"{key}=*")) if root.exists() else []:
        if (folder / MANIFEST).exists():
            found.append((folder.name.split("=", 1)[1], folder))
    return found


def source_partitions(lake: Path, source: Source) -> list[tuple[str, Path]]:
    """A source's committed valid partitions: what the warehouse stages."""
    return committed_partitions(lake, source.name, source.partition_key)


def previous_partitions(lake: Path, dataset: str, key: str, value: str) -> list[Path]:
    """The partition a batch replaces (a re-delivery) and the nearest earlier one of its
    dataset (``YYYY-MM`` and ``YYYY`` values sort in time order), where they exist."""
    same = partition_dir(lake, dataset, key, value)
    earlier = [p for v, p in committed_partitions(lake, dataset, key) if v < value]
    return [p for p in (same, *earlier[-1:]) if (p / MANIFEST).exists()]


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
        private_dirs(self.tmp, exist_ok=False)
        self._writer = pq.ParquetWriter(_private_file(self.tmp / "data.parquet"), self.schema,
                                        compression="zstd")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._writer.close()
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self, manifest: dict | None = None) -> Path:
        if manifest is not None:
            _write_manifest(self.tmp, manifest)
        swap_in(self.tmp, self.final)
        return self.final


class PartWriter(_ParquetSink):
    """Stream one part of a partition into ``<folder>/<name>`` (a part validated on its own,
    committed later with the others by :func:`commit_parts`)."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path, self.schema, self.rows, self._writer = Path(path), schema, 0, None

    def __enter__(self) -> PartWriter:
        private_dirs(self.path.parent)
        self._writer = pq.ParquetWriter(_private_file(self.path), self.schema,
                                        compression="zstd")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._writer.close()
        if exc_type is not None:
            self.path.unlink(missing_ok=True)


def staging_dir(lake: Path, dataset: str, key: str, value: str) -> Path:
    """A fresh folder for the parts of one partition, on the lake's file system (so parts
    move into the partition by rename), hidden from partition globs."""
    folder = Path(lake) / STAGING / dataset / partition_name(key, value) / uuid.uuid4().hex
    return private_dirs(folder, exist_ok=False)


def remove_stale_staging(lake: Path, dataset: str, key: str, value: str,
                         older_than: float = STALE_STAGING_SECONDS) -> None:
    """Remove what runs of this partition left behind when they were killed: part folders
    and half-written partitions (``.<name>.<id>.tmp``). A run in progress is younger than
    ``older_than``."""
    root = Path(lake) / STAGING / dataset / partition_name(key, value)
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
    private_dirs(tmp, exist_ok=False)
    for part in parts:
        # a part written elsewhere keeps its mode through the rename: made private here
        os.chmod(part, FILE_MODE)
        os.replace(part, tmp / Path(part).name)
    _write_manifest(tmp, manifest)
    swap_in(tmp, final)
    return final


def private_dirs(folder: Path, exist_ok: bool = True) -> Path:
    """``mkdir -p`` whose new folders are 0700 (``Path.mkdir(parents=True)`` gives the
    parents the umask's mode); folders that exist already keep theirs."""
    folder = Path(folder)
    missing = []
    for parent in (folder, *folder.parents):
        if parent.exists():
            break
        missing.append(parent)
    if not missing and not exist_ok:
        raise FileExistsError(folder)
    for new in reversed(missing):
        new.mkdir(mode=DIR_MODE, exist_ok=True)  # a concurrent writer may make a parent too
        os.chmod(new, DIR_MODE)  # whatever the umask took off
    return folder


def _private_file(path: Path) -> str:
    """Create ``path`` empty with mode 0600 (the Parquet writer then opens it as it is): the
    file is never readable by others, even for a moment."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE))
    os.chmod(path, FILE_MODE)  # an existing file keeps its mode through O_CREAT
    return str(path)


def _write_manifest(folder: Path, manifest: dict) -> None:
    path = folder / MANIFEST
    with open(_private_file(path), "w") as fh:
        fh.write(json.dumps(manifest, indent=2, default=str))


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
    return json.loads((Path(partition) / MANIFEST).read_text())
