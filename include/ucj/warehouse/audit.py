"""The checksum by which the warehouse knows which lake version of a partition it holds
(``audit.reference_load``): a partition whose checksum is held is not loaded again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ucj.io import lake as lk


def partition_checksum(path: Path) -> str:
    """The SHA-256 of a lake partition's data files (those its manifest lists, in order: one
    ``data.parquet`` gives the checksum of that file, as before manifests listed files), read
    in blocks (bounded memory), from a local lake or an object store."""
    digest = hashlib.sha256()
    for file in lk.data_files(path):
        with lk.open_input(file) as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
