"""Enrollment: one month's participant snapshot from the raw zone into the lake."""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from functools import lru_cache, partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ucj import pseudonym
from ucj.contracts import enrollment as contract
from ucj.io import lake as lk
from ucj.io import landing
from ucj.io.readers import read_chunks
from ucj.io.readers.delimited import read_csv_chunks
from ucj.io.readers.frames import ROW_NUMBER
from ucj.io.readers.parts import plan_parts
from ucj.pipeline.batch import Batch, finish, restore_partitions, validate_chunks
from ucj.sources import ENROLLMENT as SOURCE
from ucj.validation import batch_rules, quarantine
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
    return SOURCE.landing_names(periode)


def read(path: Path, columns: list[str], chunk_rows: int = 250_000):
    """The source's reader (``ucj.sources.ENROLLMENT``): a CSV or workbook delivery."""
    return read_chunks(path, columns, contract.DELIMITER, contract.UPPER_CASE, chunk_rows)


def _chunks(path: Path, chunk_rows: int, byte_range: tuple[int, int, int] | None = None,
            keep: list[str] | None = None):
    if byte_range is None:
        return SOURCE.read(path, chunk_rows)
    return read_csv_chunks(path, contract.COLUMNS, contract.DELIMITER, contract.UPPER_CASE,
                           chunk_rows, byte_range=byte_range, keep=keep)


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


# -- a month in parts ------------------------------------------------------------------------
# A month is cut into parts of about PART_ROWS records, validated independently (mapped tasks
# in ucj_enrollment, or a process pool here) and committed together. The one rule spanning
# parts, kpj uniqueness, gets its counts from a first pass over all parts (DuckDB counts them
# out of core), so every part's GX suite sees the same x_kpj_count as a whole-file run.

PART_ROWS = 1_000_000
CHUNK_ROWS = 250_000
DUPLICATES_MEMORY = "512MB"  # DuckDB spills to disk beyond this: memory stays bounded


def plan(raw_file: Path, lake: Path, part_rows: int | None = None) -> list[dict]:
    """The month's parts: byte ranges of the CSV (a workbook is one part), each with what a
    task needs to process it on its own (file, month, the staging folder parts write to).
    ``part_rows`` defaults to ``UCJ_PART_ROWS`` or :data:`PART_ROWS`."""
    raw_file = lk.location(raw_file)
    part_rows = part_rows or int(os.environ.get("UCJ_PART_ROWS", PART_ROWS))
    periode = contract.periode_of_file(landing.check_name(raw_file.name))
    restore_partitions(lake, SOURCE.name, SOURCE.partition_key, periode)
    with lk.local_copy(raw_file) as local:
        # the header (schema drift) and a first record, before any part starts
        next(iter(_chunks(local, 1)))
        ranges = (plan_parts(local, part_rows) if local.suffix.lower() == ".csv"
                  else [None])
    staging = lk.staging_dir(lake, SOURCE.name, SOURCE.partition_key, periode)
    return [{"index": i, "of": len(ranges), "byte_range": r, "raw_file": str(raw_file),
             "periode": periode, "lake": str(lake), "staging": str(staging),
             "planned_at": time.time()}
            for i, r in enumerate(ranges)]


def _part_file(part: dict, kind: str, suffix: str = "parquet") -> Path:
    return lk.location(part["staging"]) / kind / f"part-{part['index']:05d}.{suffix}"


def _part_chunks(part: dict, chunk_rows: int, keep: list[str] | None = None):
    """The part's chunks. A raw file on an object store is fetched whole for the part's task
    (the CSV readers seek and sniff a local file): a copy on the worker's disk, not in
    memory, removed when the chunks are read."""
    byte_range = tuple(part["byte_range"]) if part["byte_range"] else None
    with lk.local_copy(part["raw_file"]) as raw:
        yield from _chunks(raw, chunk_rows, byte_range, keep)


def scan_kpj(part: dict, chunk_rows: int = CHUNK_ROWS) -> str:
    """First pass: every record's kpj and row number, for the duplicate count (a CSV part
    converts its kpj column only; a row without a kpj counts for no duplicate)."""
    path = _part_file(part, "kpj")
    schema = pa.schema([("row_number", pa.int64()), ("kpj", pa.string())])
    with lk.PartWriter(path, schema) as out:
        for chunk in _part_chunks(part, chunk_rows, keep=["kpj"]):
            out.write(pa.table({"row_number": chunk.index.to_numpy(dtype="int64"),
                                "kpj": pa.array(chunk["kpj"].array, type=pa.string())}))
    return str(path)


def find_duplicates(parts: list[dict]) -> str:
    """Row number -> occurrences of its kpj in the whole month, for kpjs seen twice or more."""
    staging = lk.location(parts[0]["staging"])
    out = staging / "kpj_duplicates.parquet"
    if lk.is_remote(staging):
        # DuckDB reads local files only here (no httpfs): the kpj parts fetched into a
        # private scratch folder, the result put back into the shared staging for the parts
        with tempfile.TemporaryDirectory(prefix="ucj-kpj-") as scratch:
            local = Path(scratch) / out.name
            _count_duplicates(lk.local_files([_part_file(p, "kpj") for p in parts],
                                             Path(scratch) / "kpj"), local, Path(scratch))
            out.write_bytes(local.read_bytes())  # row numbers of repeats: small
        return str(out)
    _count_duplicates([_part_file(p, "kpj") for p in parts], out, staging)
    return str(out)


def _count_duplicates(files: list[Path], out: Path, scratch: Path) -> None:
    import duckdb

    con = duckdb.connect(config={"memory_limit": DUPLICATES_MEMORY,
                                 "temp_directory": str(scratch / "duckdb_tmp")})
    try:
        # a grouped count and a join (both spill to disk), not a window over every row
        con.execute(
            "COPY (WITH repeated AS (SELECT kpj, count(*) AS occurrences "
            "                        FROM read_parquet($files) WHERE kpj IS NOT NULL "
            "                        GROUP BY kpj HAVING count(*) > 1) "
            "      SELECT row_number, occurrences FROM read_parquet($files) "
            "      JOIN repeated USING (kpj) ORDER BY row_number) TO $out (FORMAT parquet)",
            {"files": [str(f) for f in files], "out": str(out)})
    finally:
        con.close()


def first_pass_if_one_part(parts: list[dict]) -> bool:
    """A month of one part has its first pass done here, by the caller (True): its kpjs and
    their repeats, as ``scan_kpj`` and ``find_duplicates`` would in tasks of their own, whose
    start and scheduling cost more than this pass over one part. A month of several parts
    (False) counts in one task per part, in parallel, then joins the counts."""
    if len(parts) > 1:
        return False
    scan_kpj(parts[0])
    find_duplicates(parts)
    return True


def _duplicates_in(part: dict, rows: pd.Index) -> pd.Series:
    found = lk.read_table(lk.location(part["staging"]) / "kpj_duplicates.parquet",
                          filters=[("row_number", ">=", int(rows.min())),
                                   ("row_number", "<=", int(rows.max()))]).to_pandas()
    return found.set_index("row_number")["occurrences"]


def _batch(part: dict, secret: str, prepare,
           checks: batch_rules.BatchChecks | None = None) -> Batch:
    return Batch.of(SOURCE, part["periode"], lk.location(part["raw_file"]).name, prepare,
                    partial(transform, secret=secret), checks)


def checks(lake: Path, periode: str,
           policy: batch_rules.Policy | None = None) -> batch_rules.BatchChecks:
    """The month's batch-level expectations: rows of the file's month, and no collapse
    against the month it replaces (a re-delivery) or the nearest month before."""
    return batch_rules.BatchChecks(
        policy=policy, period_rule="periode_matches_file",
        previous=lk.previous_partitions(lake, SOURCE.name, SOURCE.partition_key, periode))


@lru_cache(maxsize=1)
def _validator(periode: str) -> Validator:
    """One validator per month and process: a worker taking part after part reuses it (GX's
    context keeps what a validator registers, the last batch of each of its assets included:
    a new one per part would grow the process by tens of MB a part)."""
    return SOURCE.validator(periode)


def validate_part(part: dict, secret: str, chunk_rows: int = CHUNK_ROWS) -> str:
    """Validate one part into its valid and quarantine part files; the part's tally is
    pickled beside them (GX results included) for :func:`commit`."""

    def prepare(df: pd.DataFrame) -> pd.DataFrame:
        counts = _duplicates_in(part, df.index) if len(df) else pd.Series(dtype="int64")
        return contract.prepare(df, kpj_counts=counts)

    validator = _validator(part["periode"])
    with lk.PartWriter(_part_file(part, "valid"), SCHEMA) as good, \
            lk.PartWriter(_part_file(part, "quarantine"),
                          quarantine.schema(contract.COLUMNS)) as bad:
        tally = validate_chunks(_batch(part, secret, prepare), _part_chunks(part, chunk_rows),
                                validator, good, bad)
    path = _part_file(part, "tally", "pickle")
    lk.private_dirs(path.parent)
    path.write_bytes(pickle.dumps(tally))  # our own file, read back by commit only
    return str(path)


def commit(parts: list[dict], validation_dir: Path, extra_manifest: dict | None = None,
           policy: batch_rules.Policy | None = None) -> dict:
    """Merge the parts' tallies, write the report and Data Docs, check the batch-level
    expectations, and swap the month's valid and quarantine partitions in (both made of the
    parts' files); a refused month leaves the lake as it was."""
    first = parts[0]
    if len(parts) != first["of"]:
        raise ValueError(f"{len(parts)} of {first['of']} parts to commit")
    tally = pickle.loads(_part_file(first, "tally", "pickle").read_bytes())
    for part in parts[1:]:
        tally.merge(pickle.loads(_part_file(part, "tally", "pickle").read_bytes()))
    lake, staging = lk.location(first["lake"]), lk.location(first["staging"])
    restore_partitions(lake, SOURCE.name, SOURCE.partition_key, first["periode"])
    batch = _batch(first, "", None, checks(lake, first["periode"], policy))
    manifest = finish(batch, tally, validation_dir, first["planned_at"],
                      {"parts": len(parts), **(extra_manifest or {})})
    key, periode = SOURCE.partition_key, first["periode"]
    quarantine_dir = lk.commit_parts([_part_file(p, "quarantine") for p in parts], lake,
                                     lk.quarantine_dataset(SOURCE.name), key, periode, manifest)
    valid_dir = lk.commit_parts([_part_file(p, "valid") for p in parts], lake, SOURCE.name,
                                key, periode, manifest)
    lk.remove_tree(staging)
    return {**manifest, "partition": str(valid_dir), "quarantine": str(quarantine_dir)}


def process(raw_file: Path, lake: Path, validation_dir: Path, secret: str,
            chunk_rows: int = CHUNK_ROWS, extra_manifest: dict | None = None,
            part_rows: int | None = None, workers: int = 1,
            policy: batch_rules.Policy | None = None) -> dict:
    """Validate the month's raw file; write valid rows and the quarantine to the lake.
    The same steps as the mapped tasks of ucj_enrollment, with ``workers`` processes."""
    parts = plan(raw_file, lake, part_rows)
    try:
        with _pool(workers, len(parts)) as pool:
            list(pool.map(partial(scan_kpj, chunk_rows=chunk_rows), parts))
            find_duplicates(parts)
            list(pool.map(partial(validate_part, secret=secret, chunk_rows=chunk_rows), parts))
        return commit(parts, validation_dir, extra_manifest, policy)
    finally:
        lk.remove_tree(parts[0]["staging"])


def _pool(workers: int, parts: int):
    """A process pool for several parts and workers, else the calling process (so a single
    part costs no process start and runs under the caller's debugger and profiler)."""
    if workers > 1 and parts > 1:
        import multiprocessing

        return ProcessPoolExecutor(min(workers, parts),
                                   mp_context=multiprocessing.get_context("spawn"))
    return nullcontext(SimpleNamespace(map=map))
