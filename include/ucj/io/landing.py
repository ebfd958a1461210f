"""Find a delivery in the landing zone (a folder or any fsspec URL) and copy it to the raw zone."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import fsspec


class DeliveryMissing(FileNotFoundError):
    """The source file for a partition has not arrived in the landing zone."""


def _fs(landing_zone: str):
    fs, root = fsspec.core.url_to_fs(str(landing_zone))
    return fs, root.rstrip("/")


def find_delivery(landing_zone: str, folder: str, names: list[str]) -> str:
    """The first of ``names`` present in ``landing_zone/folder`` (a re-delivery overwrites the
    file of the same name, so the newest copy is what is there now)."""
    fs, root = _fs(landing_zone)
    for name in names:
        candidate = f"{root}/{folder}/{name}"
        if fs.exists(candidate):
            return candidate
    raise DeliveryMissing(
        f"none of {', '.join(names)} in {landing_zone}/{folder}: the delivery has not arrived")


def copy_to_raw(landing_zone: str, source: str, raw_dir: Path) -> dict:
    """Copy a delivered file into the raw zone and return its path and SHA-256."""
    fs, _ = _fs(landing_zone)
    raw_dir.mkdir(parents=True, exist_ok=True)
    name = Path(source).name
    target = raw_dir / name
    tmp = raw_dir / f".{name}.part"
    digest = hashlib.sha256()
    with fs.open(source, "rb") as src, open(tmp, "wb") as dst:
        while block := src.read(1 << 20):
            digest.update(block)
            dst.write(block)
    tmp.replace(target)
    return {"path": str(target), "sha256": digest.hexdigest(), "bytes": target.stat().st_size,
            "source": source}


def clear_dir(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
