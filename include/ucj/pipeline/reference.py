"""Yearly reference tables from the landing zone into the lake (`reference/<table>/tahun=`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj import sources, wilayah
from ucj.contracts import reference as contract
from ucj.io import lake as lk
from ucj.io import landing
from ucj.io.readers import read_chunks
from ucj.pipeline.batch import Batch, run_batch
from ucj.validation import batch_rules

LANDING_FOLDER = "reference"


def transform(df: pd.DataFrame, table: contract.ReferenceTable) -> pa.Table:
    data = {}
    for field in table.schema:
        col = df[field.name]
        if pa.types.is_integer(field.type):
            data[field.name] = pa.array(pd.to_numeric(col).astype("Int64"), type=field.type)
        else:
            data[field.name] = pa.array(col.astype("object"), type=pa.string()).cast(field.type)
    return pa.table(data, schema=table.schema)


def read(path: Path, columns: list[str], chunk_rows: int | None = None):
    """The reference tables' reader (``ucj.sources.REFERENCE``)."""
    options = {"chunk_rows": chunk_rows} if chunk_rows else {}
    return read_chunks(path, columns, contract.DELIMITER, **options)


def source_for(filename: str) -> sources.Source:
    """The reference table a delivered file is (its :class:`~ucj.sources.Source`); a name
    that is none is refused, naming it."""
    return sources.recognise(LANDING_FOLDER, filename)


def table_for(filename: str) -> contract.ReferenceTable:
    name = source_for(filename).name
    return next(t for t in contract.TABLES if name == f"{LANDING_FOLDER}/{t.name}")


def process(raw_file: Path, lake: Path, validation_dir: Path, extra_manifest=None,
            policy: batch_rules.Policy | None = None) -> dict:
    raw_file = lk.location(raw_file)
    source = source_for(raw_file.name)
    table = table_for(raw_file.name)
    year = source.partition_of(raw_file.name)
    checks = batch_rules.BatchChecks(
        policy=policy,
        period_rule="tahun_matches_file" if year != "all" else None,
        previous=lk.previous_partitions(lake, source.name, source.partition_key, year),
        # the coverage denominators: a year lacking a desa or kelurahan would give marts a
        # numerator over one set of desa and a denominator over another
        complete_over=(("kode_desa", frozenset(wilayah.village_codes()))
                       if source is sources.TENAGA_KERJA_DESA else None))
    batch = Batch.of(source, year, raw_file.name, contract.prepare,
                     lambda df: transform(df, table), checks)
    with lk.local_copy(raw_file) as local:  # a raw copy on a store: fetched for the batch
        return run_batch(batch, source.read(local), source.validator(year), lake,
                         validation_dir, extra_manifest)


def delivered_files(landing_zone: str) -> list[str]:
    """Every CSV file in the landing zone's ``reference/`` folder: one that is no reference
    table of the contract is refused by its own task (named), the others go on."""
    return landing.delivered_files(landing_zone, sources.in_folder(LANDING_FOLDER)[0])
