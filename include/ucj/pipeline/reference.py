"""Yearly reference tables from the landing zone into the lake (`reference/<table>/tahun=`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj import wilayah
from ucj.contracts import reference as contract
from ucj.io.readers import read_chunks
from ucj.pipeline.batch import Batch, run_batch
from ucj.validation.engine import Validator


def transform(df: pd.DataFrame, table: contract.ReferenceTable) -> pa.Table:
    data = {}
    for field in table.schema:
        col = df[field.name]
        if pa.types.is_integer(field.type):
            data[field.name] = pa.array(pd.to_numeric(col).astype("Int64"), type=field.type)
        else:
            data[field.name] = pa.array(col.astype("object"), type=pa.string()).cast(field.type)
    return pa.table(data, schema=table.schema)


def table_for(filename: str) -> contract.ReferenceTable:
    for table in contract.TABLES:
        if table.file_pattern.match(filename):
            return table
    raise ValueError(f"{filename}: not a known reference table")


def process(raw_file: Path, lake: Path, validation_dir: Path, extra_manifest=None) -> dict:
    raw_file = Path(raw_file)
    table = table_for(raw_file.name)
    year = table.year_of(raw_file.name)
    validator = Validator(f"reference_{table.name}_{year}",
                          table.rules(year, wilayah.village_codes()))
    batch = Batch(
        source=f"reference/{table.name}", partition_key="tahun", partition_value=year,
        source_file=raw_file.name, columns=table.columns, schema=table.schema,
        prepare=contract.prepare, transform=lambda df: transform(df, table),
    )
    chunks = read_chunks(raw_file, table.columns, contract.DELIMITER)
    return run_batch(batch, chunks, validator, lake, validation_dir, extra_manifest)


def delivered_files(landing_zone: str) -> list[str]:
    """Every reference file in the landing zone's ``reference/`` folder."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(str(landing_zone))
    found = fs.glob(f"{root.rstrip('/')}/reference/*.csv")
    return sorted(f for f in found if any(t.file_pattern.match(Path(f).name)
                                          for t in contract.TABLES))
