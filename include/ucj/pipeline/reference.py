"""Yearly reference tables from the landing zone into the lake (`reference/<table>/tahun=`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj import wilayah
from ucj.contracts import reference as contract
from ucj.io.readers import read_chunks
from ucj.pipeline.batch import Batch, run_batch
from ucj.refusal import UnknownDelivery
from ucj.validation import batch_rules
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
    raise UnknownDelivery(f"{filename}: refused: not a reference table of the contract "
                          f"({', '.join(t.file_pattern.pattern for t in contract.TABLES)})")


def process(raw_file: Path, lake: Path, validation_dir: Path, extra_manifest=None,
            policy: batch_rules.Policy | None = None) -> dict:
    raw_file = Path(raw_file)
    table = table_for(raw_file.name)
    year = table.year_of(raw_file.name)
    villages = wilayah.village_codes()
    validator = Validator(f"reference_{table.name}_{year}", table.rules(year, villages))
    dataset = f"reference/{table.name}"
    checks = batch_rules.BatchChecks(
        policy=policy,
        period_rule="tahun_matches_file" if year != "all" else None,
        previous=batch_rules.previous_partitions(lake, dataset, "tahun", year),
        # the coverage denominators: a year lacking a desa or kelurahan would give marts a
        # numerator over one set of desa and a denominator over another
        complete_over=(("kode_desa", frozenset(villages))
                       if table is contract.TENAGA_KERJA_DESA else None))
    batch = Batch(
        source=dataset, partition_key="tahun", partition_value=year,
        source_file=raw_file.name, columns=table.columns, schema=table.schema,
        prepare=contract.prepare, transform=lambda df: transform(df, table), checks=checks,
    )
    chunks = read_chunks(raw_file, table.columns, contract.DELIMITER)
    return run_batch(batch, chunks, validator, lake, validation_dir, extra_manifest)


def delivered_files(landing_zone: str) -> list[str]:
    """Every CSV file in the landing zone's ``reference/`` folder: one that is no reference
    table of the contract is refused by its own task (named), the others go on."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(str(landing_zone))
    found = fs.glob(f"{root.rstrip('/')}/reference/*.csv")
    return sorted(found)
