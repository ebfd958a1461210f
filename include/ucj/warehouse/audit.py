"""The load audit (schema ``audit``) that every load writes: a lake partition's checksum, by
which an unchanged partition is not loaded again, and the run record of each load (read,
valid, quarantined, loaded). Its own module because both ``ucj.warehouse.load`` and
``ucj.warehouse.village`` record loads, and the first imports the second."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ucj.warehouse.base import Session


def partition_checksum(path: Path) -> str:
    """The SHA-256 of a lake partition's data file."""
    return hashlib.sha256((path / "data.parquet").read_bytes()).hexdigest()


def record_run(s: Session, run_id: str, manifest: dict, value: str, loaded: int) -> None:
    s.run_file("audit/record_run.sql", {
        "run_id": run_id, "source": manifest["source"], "partition_value": value,
        "source_file": manifest["source_file"], "rows_read": manifest["rows_read"],
        "rows_valid": manifest["rows_valid"], "rows_quarantined": manifest["rows_quarantined"],
        "rows_loaded": loaded, "validation_success": manifest["validation_success"],
        "validation_report": manifest["validation_report"],
        "data_docs": manifest.get("data_docs"), "batch_seconds": manifest.get("seconds"),
    })
