"""Where the lake lives: a local folder (a ``Path``) or an object store (an fsspec URL).

``UCJ_LAKE`` (Airflow variable ``ucj_lake``) is a folder such as ``/srv/ucj/lake`` or a URL
such as ``s3://ucj-subang/lake``. A URL becomes a ``upath.UPath``: the same ``/``, ``name``,
``exists()``, ``open()`` as a ``Path``, over the store's fsspec filesystem (``s3fs`` for
``s3://``). The store's endpoint and credentials are not part of the URL: ``s3fs`` (through
botocore) reads the standard AWS settings (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL`` for a MinIO/Ceph/Garage endpoint, or
``~/.aws/config``), and fsspec's own configuration (``FSSPEC_S3_ENDPOINT_URL``, or a JSON
file in ``FSSPEC_CONFIG_DIR``) is applied on top. Nothing here defaults a credential.

This module only knows the two kinds of location and how to move bytes between them; which
paths exist in the lake is ``ucj.io.lake``'s business.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Several hosts share a lake on a store: a listing cached by one process would hide what
# another host committed a moment ago (s3fs caches listings for the life of the process).
# Every lake listing goes to the store.
STORAGE_OPTIONS = {"use_listings_cache": False}
COPY_BLOCK = 1 << 20
# A file written to the store goes up in parts of this size (S3's smallest part is 5 MB): the
# memory a writer holds, whatever the file's size.
UPLOAD_BLOCK = 16 << 20


def is_url(value: Any) -> bool:
    text = str(value)
    return "://" in text and not text.startswith("file://")


def location(value: str | os.PathLike) -> Any:
    """``value`` as a lake location: a ``Path`` for a local folder, a ``UPath`` for a URL
    (a ``file://`` URL is a local folder). A ``UPath`` given is kept as it is."""
    if hasattr(value, "fs") and hasattr(value, "protocol"):  # a UPath already
        return value
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if text.startswith("file://"):
        return Path(text.removeprefix("file://"))
    if is_url(text):
        from upath import UPath

        return UPath(text, **STORAGE_OPTIONS)
    return Path(text)


def is_remote(path: Any) -> bool:
    """True for a location on an object store (anything but the local file system)."""
    if isinstance(path, Path) and type(path).__module__.startswith("pathlib"):
        return False
    if hasattr(path, "fs") and hasattr(path, "protocol"):  # a UPath
        return path.protocol not in ("", "file", "local")
    return is_url(path)


def fs_and_path(path: Any):
    """(fsspec filesystem, the path as that filesystem names it)."""
    path = location(path)
    if not is_remote(path):
        from fsspec.implementations.local import LocalFileSystem

        return LocalFileSystem(), str(path)
    return path.fs, path.path


def open_input(path: Any):
    """A binary file object reading ``path`` (seekable: Parquet readers jump to the footer;
    an object store is read in ranges, never the whole file at once)."""
    if not is_remote(path):
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    try:
        return location(path).open("rb")
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path}: not in the lake") from exc


def open_output(path: Any):
    """A binary file object writing ``path`` on the store, uploaded in parts of
    :data:`UPLOAD_BLOCK` as it is written; the object exists once it is closed (``discard()``
    aborts it: no object is made)."""
    fs, key = fs_and_path(path)
    return fs.open(key, "wb", block_size=UPLOAD_BLOCK)


def parquet_file(path: Any):
    """A ``pyarrow.parquet.ParquetFile`` over a local file or a file on the store, read in
    record batches by the caller (bounded memory)."""
    import pyarrow.parquet as pq

    if not is_remote(path):
        return pq.ParquetFile(str(path))
    return pq.ParquetFile(open_input(path))


def read_table(path: Any, **options):
    """``pyarrow.parquet.read_table`` of one file, local or on the store (``options``:
    ``columns``, ``filters``)."""
    import pyarrow.parquet as pq

    if not is_remote(path):
        return pq.read_table(str(path), **options)
    with open_input(path) as fh:
        return pq.read_table(fh, **options)


def fetch(files: list, into: Path) -> list[Path]:
    """Local files for ``files``: a local file is itself (no copy); a file on the store is
    downloaded into the private folder ``into`` (``<n>-<name>``, mode 0600), streamed in
    blocks. For readers that cannot open a URL (DuckDB without httpfs, openpyxl, the CSV
    readers' byte ranges)."""
    out = []
    for n, f in enumerate(files):
        if not is_remote(f):
            out.append(Path(f))
            continue
        Path(into).mkdir(mode=0o700, parents=True, exist_ok=True)
        target = Path(into) / f"{n:05d}-{location(f).name}"
        copy_stream(f, target)
        out.append(target)
    return out


def copy_stream(src: Any, dst: Path, digest=None) -> int:
    """Copy ``src`` (local or on the store) to the local file ``dst`` (0600) in blocks,
    feeding ``digest`` when given; the bytes copied."""
    size = 0
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(dst, 0o600)
    with open_input(src) as fh, os.fdopen(fd, "wb") as out:
        while block := fh.read(COPY_BLOCK):
            if digest is not None:
                digest.update(block)
            out.write(block)
            size += len(block)
    return size


def remove_tree(path: Any) -> None:
    """Remove a folder (local) or every object under a prefix (store); nothing there is no
    error."""
    if not is_remote(path):
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        return
    fs, key = fs_and_path(path)
    try:
        fs.rm(key, recursive=True)
    except FileNotFoundError:
        pass


@contextmanager
def local_copy(path: Any) -> Iterator[Path]:
    """``path`` as a local file for the time of the ``with``: a local file is itself (no
    copy); a file on the store is downloaded (streamed) into a private temporary folder
    (0700, under ``TMPDIR``), removed afterwards. For readers that need a file: the CSV
    readers' byte ranges and sniffing, openpyxl, DuckDB."""
    if not is_remote(path):
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="ucj-lake-") as tmp:
        target = Path(tmp) / location(path).name
        copy_stream(path, target)
        yield target
