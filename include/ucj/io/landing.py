"""Find a delivery in the landing zone (a folder or any fsspec URL) and copy it to the raw zone.

File names come from outside: a name is used only when it is a plain file name (letters,
digits, ``._-``; no path separator, no ``..``, no control character such as NUL or a line
break) and a source path only when it lies inside the landing zone (also after following
symbolic links, for a local landing zone). Anything else is refused with an
:class:`UnsafeFileName` naming it; nothing is read or written for it.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import uuid
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from ucj.io import store
from ucj.refusal import Refused

_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_NAME = 255


class DeliveryMissing(FileNotFoundError):
    """The source file for a partition has not arrived in the landing zone."""


class UnsafeFileName(Refused, ValueError):
    """A delivered file name or path that could reach outside its folder."""


def check_name(name: str) -> str:
    """``name`` if it is a plain file name, else :class:`UnsafeFileName`."""
    problem = None
    if not isinstance(name, str) or not name:
        problem = "an empty name"
    elif "\x00" in name:
        problem = "a NUL byte"
    elif re.search(r"[\x01-\x1f\x7f]", name):
        problem = "a control character"
    elif "/" in name or "\\" in name:
        problem = "a path separator"
    elif ".." in name:
        problem = "'..'"
    elif len(name) > MAX_NAME or not _PLAIN_NAME.fullmatch(name):
        problem = "characters outside letters, digits and ._-"
    if problem:
        raise UnsafeFileName(f"{name!r}: refused as a delivery file name ({problem})")
    return name


def _fs(landing_zone: str):
    fs, root = fsspec.core.url_to_fs(str(landing_zone))
    return fs, root.rstrip("/") or "/"


def _inside(fs, root: str, path: str) -> bool:
    if isinstance(fs, LocalFileSystem):
        root_real, real = os.path.realpath(root), os.path.realpath(path)
        return os.path.commonpath([root_real, real]) == root_real and real != root_real
    norm_root, norm = posixpath.normpath(root), posixpath.normpath(path)
    return norm.startswith(norm_root.rstrip("/") + "/")


def source_path(landing_zone: str, source: str) -> str:
    """``source`` (a path or URL) checked to be a plainly named file inside the landing zone;
    returned as the filesystem's own path."""
    if not isinstance(source, str) or "\x00" in source:
        raise UnsafeFileName(f"{source!r}: refused as a delivery path (a NUL byte)")
    fs, root = _fs(landing_zone)
    path = fs._strip_protocol(source) if "://" in source else source  # noqa: SLF001
    if not (path.startswith("/") or "://" in str(landing_zone)):
        path = os.path.join(root, path)  # relative to the landing zone
    if ".." in Path(path).parts or not _inside(fs, root, path):
        raise UnsafeFileName(f"{source!r}: refused as a delivery path (outside the landing "
                             f"zone {landing_zone})")
    check_name(posixpath.basename(path))
    return path


def find_delivery(landing_zone: str, folder: str, names: list[str]) -> str:
    """The delivery among ``names`` in ``landing_zone/folder``; when several are there (a
    month re-delivered as ``.xlsx`` after a ``.csv``), the most recently modified one: a
    re-delivery replaces the earlier file of its partition."""
    fs, root = _fs(landing_zone)
    found = []
    for order, name in enumerate(names):
        candidate = f"{root}/{check_name(folder)}/{check_name(name)}"
        if fs.exists(candidate):
            found.append((_modified(fs, candidate), -order, candidate))
    if not found:
        raise DeliveryMissing(
            f"none of {', '.join(names)} in {landing_zone}/{folder}: the delivery has not "
            "arrived")
    return max(found)[2]


def delivered_files(landing_zone: str, source) -> list[str]:
    """Every file in ``source``'s landing folder that its DAG picks up (``landing_glob``),
    sorted; names are checked by the task taking each file, so one wrong name is refused on
    its own and the others go on."""
    fs, root = _fs(landing_zone)
    folder = check_name(source.landing_folder)
    return sorted(fs.glob(f"{root.rstrip('/')}/{folder}/{source.landing_glob}"))


def _modified(fs, path: str) -> float:
    try:
        stamp = fs.modified(path)
    except (NotImplementedError, OSError, KeyError):
        return 0.0
    return stamp.timestamp() if hasattr(stamp, "timestamp") else float(stamp)


def copy_to_raw(landing_zone: str, source: str, raw_dir: Path) -> dict:
    """Copy a delivered file into the raw zone and return its path and SHA-256.

    Each delivery is kept under its content (``<raw_dir>/sha256=<first 16 hex>/<name>``): a
    re-delivery that is then refused never overwrites the copy behind the published
    partition (its manifest names that copy's SHA-256), and the refused file stays there to
    be looked at. Raw copies hold NIKs and names: owner-readable only (0600, folders 0700)."""
    fs, _ = _fs(landing_zone)
    path = source_path(landing_zone, source)
    if store.is_remote(raw_dir):
        return _copy_to_store(fs, path, raw_dir, source)
    _private_dir(raw_dir)
    name = posixpath.basename(path)
    tmp = raw_dir / f".{name}.part"
    digest = hashlib.sha256()
    with fs.open(path, "rb") as src, \
            os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as dst:
        while block := src.read(1 << 20):
            digest.update(block)
            dst.write(block)
    os.chmod(tmp, 0o600)  # an older .part left by a killed copy kept its own mode
    target = _private_dir(raw_dir / f"sha256={digest.hexdigest()[:16]}") / name
    tmp.replace(target)
    return {"path": str(target), "sha256": digest.hexdigest(), "bytes": target.stat().st_size,
            "source": source}


def _copy_to_store(fs, path: str, raw_dir, source: str) -> dict:
    """:func:`copy_to_raw` into a lake on an object store. The content's hash is known only
    once the file is read, and a store renames nothing: the bytes go once to a temporary
    object beside (hashed on the way, streamed: the memory of one upload block), which is
    then copied inside the store to ``sha256=<hex16>/<name>`` (no byte through this host)
    and removed. A copy killed half-way leaves only the temporary object, under a name no
    reader looks for."""
    name = posixpath.basename(path)
    tmp = raw_dir / f".{name}.{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with fs.open(path, "rb") as src, store.open_output(tmp) as dst:
            while block := src.read(1 << 20):
                digest.update(block)
                dst.write(block)
                size += len(block)
        target = raw_dir / f"sha256={digest.hexdigest()[:16]}" / name
        tmp.fs.copy(tmp.path, target.path)
    finally:
        store.remove_tree(tmp)
    return {"path": str(target), "sha256": digest.hexdigest(), "bytes": size,
            "source": source}


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def clear_dir(path: Path) -> None:
    if store.is_remote(path):
        store.remove_tree(path)
    elif path.exists():
        shutil.rmtree(path)
