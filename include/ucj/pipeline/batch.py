"""The shared shape of a source batch: read in chunks, validate, split, write, report.

Each source supplies its contract (columns, rules, ``prepare``) and its ``transform`` from
validated text rows to a typed Arrow table; this module does the rest the same way for all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj.io import lake as lk
from ucj.validation import quarantine
from ucj.validation.engine import Validator


@dataclass
class Batch:
    source: str
    partition_key: str
    partition_value: str
    source_file: str
    columns: list[str]
    schema: pa.Schema
    prepare: Callable[[pd.DataFrame], pd.DataFrame]
    transform: Callable[[pd.DataFrame], pa.Table]


def run_batch(batch: Batch, chunks: Iterable[pd.DataFrame], validator: Validator, lake: Path,
              validation_dir: Path, extra_manifest: dict | None = None) -> dict:
    """Validate every chunk and write valid rows and quarantined rows to their partitions."""
    started = time.time()
    report = validator.new_report()
    key, value = batch.partition_key, batch.partition_value
    read = 0
    with lk.PartitionWriter(lake, batch.source, key, value, batch.schema) as good, \
            lk.PartitionWriter(lake, f"quarantine/{batch.source}", key, value,
                               quarantine.schema(batch.columns)) as bad:
        for chunk in chunks:
            read += len(chunk)
            outcome = validator.validate(batch.prepare(chunk))
            report.add(len(chunk), outcome)
            bad.write(quarantine.rows(chunk, outcome.reasons, batch.columns, batch.source_file))
            good.write(batch.transform(chunk.drop(index=outcome.reasons.index)))
        if read != good.rows + bad.rows:  # every row is loaded or quarantined, never lost
            raise AssertionError(f"{batch.source_file}: {read} read != {good.rows} + {bad.rows}")
        report_path = write_report(validation_dir, batch, report.as_dict())
        manifest = {
            "source": batch.source, key: value, "source_file": batch.source_file,
            "rows_read": read, "rows_valid": good.rows, "rows_quarantined": bad.rows,
            "rule_counts": {k: v for k, v in report.counts.items() if v},
            "validation_success": report.as_dict()["success"],
            "validation_report": str(report_path),
            "seconds": round(time.time() - started, 3),
            **(extra_manifest or {}),
        }
        quarantine_dir = bad.commit(manifest)
        valid_dir = good.commit(manifest)
    return {**manifest, "partition": str(valid_dir), "quarantine": str(quarantine_dir)}


def write_report(validation_dir: Path, batch: Batch, report: dict) -> Path:
    folder = Path(validation_dir) / batch.source / f"{batch.partition_key}={batch.partition_value}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "validation.json"
    path.write_text(json.dumps({"source_file": batch.source_file, **report}, indent=2))
    return path
