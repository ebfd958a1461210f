"""Enrollment: one month's participant snapshot from the raw zone into the lake."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def _date(s: pd.Series) -> pa.Array:
    """Validated DD/MM/YYYY text -> date32 (Arrow's strptime: the rules already refused
    impossible dates, which it would roll over)."""
    text = pa.array(s.astype("string[pyarrow]").array)
    return pc.cast(pc.strptime(text, format=contract.DATE_FORMAT, unit="s"), pa.date32())


def _per_value(s: pd.Series, fn) -> pd.Series:
    """``s.map(fn)`` computed once per distinct value (program sets are a few dozen)."""
    codes, uniques = pd.factorize(s)
    return pd.Series(np.asarray([fn(u) for u in uniques], dtype=object)[codes], index=s.index)


def _program_set(value: str) -> str:
    order = {p: i for i, p in enumerate(contract.PROGRAMS)}
    return "+".join(sorted(value.split("+"), key=order.get))


def transform(df: pd.DataFrame, secret: str) -> pa.Table:
    """Validated text rows -> typed rows; the NIK and name are replaced by the person key."""
    out = pd.DataFrame({
        "periode": df["periode"], "kpj": df["kpj"],
        "person_key": pseudonym.person_keys(df["nik"], secret),
        "jenis_kelamin": df["jenis_kelamin"],
        "segmen": df["segmen"], "kategori": df["kategori"], "npp": df["npp"],
        "kode_desa": df["kode_desa"], "upah": df["upah"],
        "program": _per_value(df["program"], _program_set),
    })
    for p in contract.PROGRAMS:
        out[f"has_{p.lower()}"] = _per_value(df["program"], lambda v, p=p: p in v.split("+"))
    out["status"] = df["status"]
    out["is_active"] = df["status"].eq("AKTIF").astype(bool)
    out["sumber_iuran"] = df["sumber_iuran"]
    out["iuran"] = df["iuran"]
    out["source_row_number"] = df[ROW_NUMBER].astype("int64")
    table = pa.Table.from_pandas(out, preserve_index=False)
    for money in ("upah", "iuran"):
        idx = table.schema.get_field_index(money)
        table = table.set_column(idx, money, table[money].cast(pa.string()).cast(MONEY))
    for col in ("tgl_lahir", "tgl_kepesertaan", "tgl_nonaktif"):
        table = table.append_column(col, _date(df[col]))
    return table.select(SCHEMA.names).cast(SCHEMA)


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
