"""Enrollment: one month's participant snapshot from the raw zone into the lake."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj import pseudonym, wilayah
from ucj.contracts import enrollment as contract
from ucj.io import landing
from ucj.io.readers import ROW_NUMBER, read_chunks
from ucj.pipeline.batch import Batch, run_batch
from ucj.validation.engine import Validator

MONEY = pa.decimal128(18, 2)
SCHEMA = pa.schema([
    ("periode", pa.string()), ("kpj", pa.string()), ("person_key", pa.string()),
    ("tgl_lahir", pa.date32()), ("jenis_kelamin", pa.string()), ("segmen", pa.string()),
    ("kategori", pa.string()), ("npp", pa.string()), ("kode_desa", pa.string()),
    ("upah", MONEY), ("program", pa.string()),
    *[(f"has_{p.lower()}", pa.bool_()) for p in contract.PROGRAMS],
    ("status", pa.string()), ("is_active", pa.bool_()), ("tgl_kepesertaan", pa.date32()),
    ("tgl_nonaktif", pa.date32()), ("sumber_iuran", pa.string()), ("iuran", MONEY),
    ("source_row_number", pa.int64()),
])


def landing_names(periode: str) -> list[str]:
    stamp = periode.replace("-", "")
    return [f"kepesertaan_{stamp}.csv", f"kepesertaan_{stamp}.xlsx"]


def _chunks(path: Path, chunk_rows: int):
    return read_chunks(path, contract.COLUMNS, contract.DELIMITER, contract.UPPER_CASE,
                       chunk_rows)


def kpj_counts(path: Path, chunk_rows: int) -> pd.Series:
    """How often each repeated kpj occurs in the whole file (uniqueness spans chunks)."""
    kpj = pd.concat([c["kpj"] for c in _chunks(path, chunk_rows)], ignore_index=True)
    counts = kpj.value_counts()
    return counts[counts > 1]


def _date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format=contract.DATE_FORMAT).dt.date


def _program_set(s: pd.Series) -> pd.Series:
    order = {p: i for i, p in enumerate(contract.PROGRAMS)}
    return s.map(lambda v: "+".join(sorted(v.split("+"), key=order.get)))


def transform(df: pd.DataFrame, secret: str) -> pa.Table:
    """Validated text rows -> typed rows; the NIK and name are replaced by the person key."""
    out = pd.DataFrame({
        "periode": df["periode"], "kpj": df["kpj"],
        "person_key": pseudonym.person_keys(df["nik"], secret),
        "tgl_lahir": _date(df["tgl_lahir"]), "jenis_kelamin": df["jenis_kelamin"],
        "segmen": df["segmen"], "kategori": df["kategori"], "npp": df["npp"],
        "kode_desa": df["kode_desa"], "upah": df["upah"], "program": _program_set(df["program"]),
    })
    held = df["program"].str.split("+")
    for p in contract.PROGRAMS:
        out[f"has_{p.lower()}"] = held.map(lambda ps, p=p: p in ps).astype(bool)
    out["status"] = df["status"]
    out["is_active"] = df["status"].eq("AKTIF").astype(bool)
    out["tgl_kepesertaan"] = _date(df["tgl_kepesertaan"])
    out["tgl_nonaktif"] = _date(df["tgl_nonaktif"])
    out["sumber_iuran"] = df["sumber_iuran"]
    out["iuran"] = df["iuran"]
    out["source_row_number"] = df[ROW_NUMBER].astype("int64")
    table = pa.Table.from_pandas(out, preserve_index=False)
    for money in ("upah", "iuran"):
        idx = table.schema.get_field_index(money)
        table = table.set_column(idx, money, table[money].cast(pa.string()).cast(MONEY))
    return table.cast(SCHEMA)


def process(raw_file: Path, lake: Path, validation_dir: Path, secret: str,
            chunk_rows: int = 250_000, extra_manifest: dict | None = None) -> dict:
    """Validate the month's raw file; write valid rows and the quarantine to the lake."""
    raw_file = Path(raw_file)
    periode = contract.periode_of_file(landing.check_name(raw_file.name))
    dupes = kpj_counts(raw_file, chunk_rows)
    validator = Validator(f"enrollment_{periode}",
                          contract.rules(periode, wilayah.village_codes()))
    batch = Batch(
        source=contract.SOURCE, partition_key="periode", partition_value=periode,
        source_file=raw_file.name, columns=contract.COLUMNS, schema=SCHEMA,
        prepare=partial(contract.prepare, kpj_counts=dupes),
        transform=partial(transform, secret=secret),
    )
    return run_batch(batch, _chunks(raw_file, chunk_rows), validator, lake, validation_dir,
                     extra_manifest)
