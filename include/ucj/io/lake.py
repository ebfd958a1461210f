"""The Parquet lake: one folder per dataset and partition, replaced atomically.

The lake is a local folder or a prefix on an object store (``ucj.io.store``: ``s3://...``).
Every partition has a manifest (``_manifest.json``) listing its data files (``"files"``);
readers take exactly those files (:func:`data_files`), a folder without a manifest is not a
partition (:func:`committed_partitions`).

- Local folder: a partition is written beside its final place and swapped in with renames,
  so a reader (or a warehouse load) sees the previous partition or the new one, never a
  half-written one.
- Object store: there is no atomic rename of a folder, only of one object (a PUT). The
  manifest is the commit point: the new data files go into the partition's prefix under
  names of their own commit (``data-<commit>.parquet``), invisible to readers (no manifest
  lists them), then one PUT of the manifest switches readers to them, then the files of the
  previous generation (listed by no manifest now) are deleted. A run killed before the PUT
  leaves the published partition as it was (its files are orphans, removed later by
  :func:`remove_stale_staging`); one killed after it leaves the new partition and some old
  files nobody reads.

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
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ucj.io import store

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
    return store.location(lake) / dataset / partition_name(key, value)


def quarantine_dataset(dataset: str) -> str:
    """The dataset holding ``dataset``'s quarantined rows (same keys and partitions)."""
    return f"{QUARANTINE}/{dataset}"


def quarantine_root(lake: Path, dataset: str | None = None) -> Path:
    root = store.location(lake) / QUARANTINE
    return root / dataset if dataset else root


def lake_partition(lake: Path, source: Source, value: str) -> Path:
    """A source's valid partition ``value``."""
    return partition_dir(lake, source.name, source.partition_key, value)


def quarantine_partition(lake: Path, source: Source, value: str) -> Path:
    return partition_dir(lake, quarantine_dataset(source.name), source.partition_key, value)


def raw_root(lake: Path, source: Source) -> Path:
    return store.location(lake) / RAW / source.name


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
    a partition being written or swapped out is hidden), in value order. ``key`` ``"*"``:
    whatever the key."""
    root = store.location(lake) / dataset
    if store.is_remote(root):
        # one listing of the manifests: a prefix without one is a commit in progress
        fs, prefix = store.fs_and_path(root)
        folders = [root / m.rsplit("/", 2)[-2]
                   for m in fs.glob(f"{prefix}/{key}=*/{MANIFEST}")]
        return sorted((f.name.split("=", 1)[1], f) for f in folders
                      if not f.name.startswith("."))
    found = []
    for folder in sorted(root.glob(f"{key}=*")) if root.exists() else []:
        if not folder.name.startswith(".") and (folder / MANIFEST).exists():
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
    return [p for p in (same, *earlier[-1:]) if has_manifest(p)]


class _ParquetSink:
    schema: pa.Schema
    rows: int
    _writer: pq.ParquetWriter | None
    _out: Any = None  # the open file on the store (local files are opened by the writer)
    committed = False

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.cast(self.schema), row_group_size=ROW_GROUP_ROWS)
            self.rows += table.num_rows

    def _open(self, path) -> None:
        if store.is_remote(path):
            # streamed to the store as it is written (multipart upload): no local copy, the
            # memory of one upload block
            self._out = store.open_output(path)
            self._writer = pq.ParquetWriter(self._out, self.schema, compression="zstd")
        else:
            self._writer = pq.ParquetWriter(_private_file(path), self.schema,
                                            compression="zstd")

    def _close(self, path, failed: bool) -> None:
        failed = failed and not self.committed
        try:
            if self._writer is not None:
                self._writer.close()  # the footer: the file is complete from here
        finally:
            if self._out is not None:
                out, self._out = self._out, None
                if failed and hasattr(out, "discard"):
                    # a failed batch: the upload is aborted, no object is ever made of it
                    out.discard()
                    out.closed = True
                else:
                    out.close()  # on a store: the upload completes, the object exists
        if failed and store.is_remote(path):
            _remove_file(path)  # an orphan no manifest lists, if any: removed now


class PartitionWriter(_ParquetSink):
    """Stream record batches into one new data file of ``<lake>/<dataset>/<key>=<value>/``:
    ``data.parquet`` of a folder beside it (local), ``data-<commit>.parquet`` in the
    partition's prefix (store); :meth:`commit` publishes it."""

    def __init__(self, lake: Path, dataset: str, key: str, value: str, schema: pa.Schema):
        self.final = partition_dir(lake, dataset, key, value)
        if store.is_remote(self.final):
            self.tmp = None
            self.path = self.final / f"data-{_commit_id()}.parquet"
        else:
            self.tmp = _tmp_beside(self.final)
            self.path = self.tmp / "data.parquet"
        self.schema = schema
        self.rows = 0
        self._writer = None

    def __enter__(self) -> PartitionWriter:
        if self.tmp is not None:
            private_dirs(self.tmp, exist_ok=False)
        self._open(self.path)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._close(self.path, exc_type is not None)
        if exc_type is not None and self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self, manifest: dict | None = None) -> Path:
        # complete the file before any manifest names it (on a store it is no object before)
        self._close(self.path, False)
        self.committed = True
        if self.tmp is None:
            _publish(self.final, [self.path.name], manifest or {})
            return self.final
        if manifest is not None:
            _write_manifest(self.tmp, manifest, [self.path.name])
        swap_in(self.tmp, self.final)
        return self.final


class PartWriter(_ParquetSink):
    """Stream one part of a partition into ``<folder>/<name>`` (a part validated on its own,
    committed later with the others by :func:`commit_parts`)."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path, self.schema, self.rows, self._writer = store.location(path), schema, 0, None

    def __enter__(self) -> PartWriter:
        private_dirs(self.path.parent)
        self._open(self.path)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._close(self.path, exc_type is not None)
        if exc_type is not None and not store.is_remote(self.path):
            self.path.unlink(missing_ok=True)


def staging_dir(lake: Path, dataset: str, key: str, value: str) -> Path:
    """A fresh folder for the parts of one partition, on the lake's file system (so parts
    move into the partition by rename, or by a copy inside the store), hidden from partition
    globs. On a store it is shared by every host working on the month's parts."""
    folder = (store.location(lake) / STAGING / dataset / partition_name(key, value)
              / uuid.uuid4().hex)
    return private_dirs(folder, exist_ok=False)


def remove_stale_staging(lake: Path, dataset: str, key: str, value: str,
                         older_than: float = STALE_STAGING_SECONDS) -> None:
    """Remove what runs of this partition left behind when they were killed: part folders
    and half-written partitions (``.<name>.<id>.tmp``; on a store, data files no manifest
    lists). A run in progress is younger than ``older_than``."""
    root = store.location(lake) / STAGING / dataset / partition_name(key, value)
    final = partition_dir(lake, dataset, key, value)
    if store.is_remote(final):
        _remove_stale_objects(root, final, older_than)
        return
    left = [*(root.glob("*") if root.exists() else []),
            *(final.parent.glob(f".{final.name}.*.tmp") if final.parent.exists() else [])]
    for folder in left:
        if time.time() - folder.stat().st_mtime > older_than:
            shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_objects(staging_root, final, older_than: float) -> None:
    """On a store a folder has no time of its own: a staging folder is stale when its newest
    object is, an orphan data file (a killed commit's) when it is older than ``older_than``
    and listed by no manifest."""
    fs, prefix = store.fs_and_path(staging_root)
    now = time.time()
    newest: dict[str, float] = {}
    for key, info in fs.find(prefix, detail=True).items():
        run = key[len(prefix):].lstrip("/").split("/", 1)[0]
        newest[run] = max(newest.get(run, 0.0), _stamp(info))
    for run, stamp in newest.items():
        if now - stamp > older_than:
            store.remove_tree(staging_root / run)
    if not has_manifest(final):
        return
    listed = set(read_manifest(final).get("files") or [])
    fs, folder = store.fs_and_path(final)
    for key, info in fs.find(folder, maxdepth=1, detail=True).items():
        name = key.rsplit("/", 1)[-1]
        if name.endswith(".parquet") and name not in listed and now - _stamp(info) > older_than:
            _remove_file(final / name)


def _stamp(info: dict) -> float:
    stamp = info.get("LastModified") or info.get("mtime") or 0
    return stamp.timestamp() if hasattr(stamp, "timestamp") else float(stamp)


def commit_parts(parts: list[Path], lake: Path, dataset: str, key: str, value: str,
                 manifest: dict) -> Path:
    """Move part files into a new partition folder and swap it in (the parts' names are
    kept: ``part-00000.parquet``, ...; on a store ``part-00000-<commit>.parquet``, copied
    inside the store, no byte through this host)."""
    final = partition_dir(lake, dataset, key, value)
    if store.is_remote(final):
        commit = _commit_id()
        fs, _ = store.fs_and_path(final)
        names = []
        for part in parts:
            part = store.location(part)
            name = f"{part.stem}-{commit}.parquet"
            try:
                fs.copy(store.fs_and_path(part)[1], store.fs_and_path(final / name)[1])
            except FileNotFoundError as exc:
                raise FileNotFoundError(f"{part}: part file missing, nothing committed") from exc
            names.append(name)
        _publish(final, names, manifest)
        return final
    tmp = _tmp_beside(final)
    private_dirs(tmp, exist_ok=False)
    for part in parts:
        # a part written elsewhere keeps its mode through the rename: made private here
        os.chmod(part, FILE_MODE)
        os.replace(part, tmp / Path(part).name)
    _write_manifest(tmp, manifest, [Path(p).name for p in parts])
    swap_in(tmp, final)
    return final


def _publish(final, files: list[str], manifest: dict) -> None:
    """The commit on a store: the manifest listing ``files`` in one PUT (the commit point:
    readers switch from the previous generation to this one at once), then the files it no
    longer lists deleted. Until the PUT readers see the previous partition whole; a reader
    that read the previous manifest just before may find its files gone and fails naming
    them (then reads again), never mixes two generations."""
    fs, folder = store.fs_and_path(final)
    body = json.dumps({**manifest, "files": files}, indent=2, default=str).encode()
    fs.pipe_file(f"{folder}/{MANIFEST}", body)
    for key in fs.find(folder, maxdepth=1):
        name = key.rsplit("/", 1)[-1]
        if name != MANIFEST and name not in files:
            _remove_file(final / name)


def _remove_file(path) -> None:
    fs, key = store.fs_and_path(path)
    try:
        fs.rm_file(key)
    except FileNotFoundError:
        pass


def _commit_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}"


def private_dirs(folder: Path, exist_ok: bool = True) -> Path:
    """``mkdir -p`` whose new folders are 0700 (``Path.mkdir(parents=True)`` gives the
    parents the umask's mode); folders that exist already keep theirs. On a store there are
    no folders (a prefix exists by its objects) and no modes: access is the bucket's policy."""
    if store.is_remote(folder):
        return folder
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


def _write_manifest(folder: Path, manifest: dict, files: list[str]) -> None:
    path = folder / MANIFEST
    with open(_private_file(path), "w") as fh:
        fh.write(json.dumps({**manifest, "files": files}, indent=2, default=str))


def _tmp_beside(final: Path) -> Path:
    return final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")


def swap_in(tmp: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def data_files(path: Path) -> list[Path]:
    """A partition's Parquet files: exactly those its manifest lists (``data.parquet``, or
    one file per part when a month was validated in parallel parts: ``part-00000.parquet``,
    ...; on a store with their commit in the name). A partition committed before manifests
    listed their files: the folder's ``*.parquet``. A file path is itself."""
    path = store.location(path)
    if has_manifest(path):
        listed = read_manifest(path).get("files")
        if listed is not None:
            if not listed:
                raise FileNotFoundError(f"{path / MANIFEST} lists no data file")
            return [path / name for name in listed]
    if not path.is_dir():
        if store.is_remote(path) and not path.exists():
            raise FileNotFoundError(f"{path}: not in the lake")
        return [path]
    files = sorted(path.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no Parquet file in {path}")
    return files


def has_manifest(partition: Path) -> bool:
    return (store.location(partition) / MANIFEST).exists()


def read_manifest(partition: Path) -> dict:
    path = store.location(partition) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path}: no manifest (not a committed partition)") from exc
    except ValueError as exc:
        raise ValueError(f"{path}: not a manifest: {exc}") from exc


def location(value) -> Path:
    """A lake path given as text (a task's argument, an XCom): a ``Path``, or a ``UPath`` for
    a URL (``ucj.io.store.location``)."""
    return store.location(value)


def local_copy(path: Path):
    """A lake file as a local file for a ``with`` (``ucj.io.store.local_copy``)."""
    return store.local_copy(path)


def open_input(path: Path):
    """A lake file opened for reading (local or on the store)."""
    return store.open_input(path)


def parquet_file(path: Path) -> pq.ParquetFile:
    """A lake file as a ``ParquetFile`` to read in batches (local or on the store)."""
    return store.parquet_file(path)


def read_table(path: Path, **options) -> pa.Table:
    """One lake file read with pyarrow (local or on the store; ``columns``, ``filters``)."""
    return store.read_table(path, **options)


def is_remote(path: Path) -> bool:
    """True for a lake (or a path in it) on an object store."""
    return store.is_remote(path)


def remove_tree(folder: Path) -> None:
    """Remove a staging folder (local or on the store)."""
    store.remove_tree(folder)


def local_files(files: list, scratch: Path) -> list[Path]:
    """Local copies of lake files for a reader that cannot open a URL (DuckDB here has no
    httpfs: it downloads its extension at run time): a local lake's files are themselves,
    a store's are downloaded into ``scratch`` (a private folder of the caller's)."""
    return store.fetch(files, scratch)
