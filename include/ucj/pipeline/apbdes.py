"""Village budget (APBDes): one fiscal year's file from the raw zone into the lake.

Valid lines go to ``village_budget/tahun=YYYY`` (typed, amounts in whole Rupiah, activity
codes with their trailing dot, each line tagged with its Dana Desa revenue item and its
premium beneficiary as defined in ``ucj.village``); rejected lines go to
``quarantine/village_budget/tahun=YYYY``. Both partitions are swapped in whole, so a
re-delivered year replaces the earlier one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj import village
from ucj.contracts import apbdes as contract
from ucj.io import lake as lk
from ucj.io import landing
from ucj.io.readers import read_chunks
from ucj.io.readers.frames import ROW_NUMBER
from ucj.pipeline.batch import Batch, run_batch
from ucj.sources import VILLAGE_BUDGET as SOURCE
from ucj.validation import batch_rules

LANDING_FOLDER = SOURCE.landing_folder
SCHEMA = pa.schema([
    ("tahun", pa.int32()), ("kode_desa", pa.string()), ("nama_desa", pa.string()),
    ("jenis", pa.string()), ("kode_kegiatan", pa.string()), ("kode_rekening", pa.string()),
    ("uraian", pa.string()), ("sumber_dana", pa.string()), ("anggaran", pa.int64()),
    ("realisasi", pa.int64()), ("tgl_update", pa.date32()),
    ("pos_pendapatan", pa.string()),  # DANA_DESA, BHP, ADD (revenue 4.2.1 / 4.2.2 / 4.2.3)
    ("penerima_premi", pa.string()),  # PERANGKAT_DESA, PEKERJA_RENTAN (premium lines)
    ("source_row_number", pa.int64()),
])


def landing_names(tahun: int | str) -> list[str]:
    return SOURCE.landing_names(tahun)


def read(path: Path, columns: list[str], chunk_rows: int = 250_000):
    """The source's reader (``ucj.sources.VILLAGE_BUDGET``)."""
    return read_chunks(path, columns, contract.DELIMITER, chunk_rows=chunk_rows)


def transform(df: pd.DataFrame) -> pa.Table:
    """Validated text lines -> typed lines with their revenue item and premium beneficiary."""
    kegiatan = df["kode_kegiatan"].map(village.activity_code, na_action="ignore")
    out = pd.DataFrame({
        "tahun": pd.to_numeric(df["tahun"]).astype("int32"),
        "kode_desa": df["kode_desa"], "nama_desa": df["nama_desa"], "jenis": df["jenis"],
        "kode_kegiatan": kegiatan, "kode_rekening": df["kode_rekening"],
        "uraian": df["uraian"], "sumber_dana": df["sumber_dana"],
        "anggaran": contract.amount(df["anggaran"]),
        "realisasi": contract.amount(df["realisasi"]),
        "tgl_update": pd.to_datetime(df["tgl_update"], format=contract.DATE_FORMAT).dt.date,
    })
    out["pos_pendapatan"] = village.revenue_items(out)
    out["penerima_premi"] = village.premium_beneficiaries(out)
    out["source_row_number"] = df[ROW_NUMBER].astype("int64")
    columns = {}
    for field in SCHEMA:
        values = out[field.name].astype("object").where(out[field.name].notna(), None)
        columns[field.name] = pa.array(values.tolist(), type=field.type)
    return pa.table(columns, schema=SCHEMA)


def process(raw_file: Path, lake: Path, validation_dir: Path, extra_manifest: dict | None = None,
            chunk_rows: int = 250_000, policy: batch_rules.Policy | None = None) -> dict:
    """Validate one year's file; write valid lines and the quarantine to the lake."""
    raw_file = lk.location(raw_file)
    year = SOURCE.partition_of(raw_file.name)
    batch = Batch.of(
        SOURCE, year, raw_file.name, contract.prepare, transform,
        checks=batch_rules.BatchChecks(
            policy=policy, period_rule="tahun_matches_file",
            previous=lk.previous_partitions(lake, SOURCE.name, SOURCE.partition_key, year)))
    with lk.local_copy(raw_file) as local:  # a raw copy on a store: fetched for the batch
        return run_batch(batch, SOURCE.read(local, chunk_rows), SOURCE.validator(year), lake,
                         validation_dir, extra_manifest)


def delivered_files(landing_zone: str) -> list[str]:
    """Every CSV file in the landing zone's ``village_budget/`` folder: one whose name is not
    ``apbdes_YYYY.csv`` is refused by its own task (named), the others go on."""
    return landing.delivered_files(landing_zone, SOURCE)
