"""Company registry extract (JSON lines from the API client) -> validated lake partition."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj.contracts import registry as contract
from ucj.io import lake as lake_io
from ucj.io.readers.jsonl import read_jsonl_chunks
from ucj.pipeline.batch import Batch, run_batch
from ucj.sources import REGISTRY as SOURCE
from ucj.validation import batch_rules

SCHEMA = pa.schema([
    ("nib", pa.string()), ("npp", pa.string()), ("npwp", pa.string()),
    ("nama_perusahaan", pa.string()), ("kbli", pa.string()), ("skala_usaha", pa.string()),
    ("kode_desa", pa.string()), ("jumlah_tk_laki", pa.int32()),
    ("jumlah_tk_perempuan", pa.int32()), ("jumlah_tk_wlkp", pa.int32()),
    ("tgl_lapor_wlkp", pa.date32()), ("status_usaha", pa.string()),
    ("updated_at", pa.timestamp("us")),  # UTC
])


def transform(df: pd.DataFrame) -> pa.Table:
    out = pd.DataFrame({
        "nib": df["nib"], "npp": df["npp"], "npwp": contract.npwp_digits(df["npwp"]),
        "nama_perusahaan": df["nama_perusahaan"], "kbli": df["kbli"].str.zfill(5),
        "skala_usaha": df["skala_usaha"], "kode_desa": df["kode_desa"],
    })
    for c in contract.COUNTS:
        # int64 here; the schema's int32 cast below is checked (a count beyond it fails the
        # row into the quarantine as type_conversion instead of wrapping to a negative)
        out[c] = pd.to_numeric(df[c]).astype("int64")
    out["tgl_lapor_wlkp"] = pd.to_datetime(df["tgl_lapor_wlkp"], format="%Y-%m-%d").dt.date
    out["status_usaha"] = df["status_usaha"]
    updated = pd.to_datetime(df["updated_at"], utc=True, format="ISO8601")
    out["updated_at"] = updated.dt.tz_localize(None)  # stored as UTC
    return pa.Table.from_pandas(out, schema=SCHEMA, preserve_index=False)


def read(path: Path, columns: list[str], chunk_rows: int | None = None):
    """The source's reader (``ucj.sources.REGISTRY``): the API client's JSON lines."""
    options = {"chunk_rows": chunk_rows} if chunk_rows else {}
    return read_jsonl_chunks(path, columns, contract.UPPER_CASE, **options)


def nib_counts(path: Path) -> pd.Series:
    nib = pd.concat([c["nib"] for c in read_jsonl_chunks(path, contract.COLUMNS)] or
                    [pd.Series(dtype="object")], ignore_index=True)
    counts = nib.value_counts()
    return counts[counts > 1]


def process(extract_file: Path, extract_id: str, lake: Path, validation_dir: Path,
            extra_manifest: dict | None = None,
            policy: batch_rules.Policy | None = None) -> dict:
    """Validate an extract into the lake. An extract of the API client (its claim beside it)
    then moves the registry watermark over what was committed, holding the quarantined
    records for the next run (``ucj.registry.watermark``)."""
    from ucj.registry.watermark import claim_path, commit_extract

    extract_file = lake_io.location(extract_file)
    with lake_io.local_copy(extract_file) as local:  # an extract on a store: fetched
        batch = Batch.of(
            SOURCE, extract_id, extract_file.name,
            partial(contract.prepare, nib_counts=nib_counts(local)), transform,
            # an extract holds what changed since the watermark: no period, no size to hold
            checks=batch_rules.BatchChecks(policy=policy))
        result = run_batch(batch, SOURCE.read(local), SOURCE.validator(extract_id), lake,
                           validation_dir, extra_manifest)
    if claim_path(extract_file).exists():  # the API client's extract: commit it
        mark = commit_extract(extract_file, valid_nibs(lake_io.location(result["partition"])))
        result["watermark"] = mark.updated_at
        result["quarantined_held"] = len(mark.held)
    return result


def valid_nibs(partition: Path) -> set[str]:
    """The nibs in a committed valid partition."""
    nibs: set[str] = set()
    for file in lake_io.data_files(partition):
        nibs.update(lake_io.read_table(file, columns=["nib"]).column("nib").to_pylist())
    return nibs


def extract(base_url: str, token: str, lake: Path, landing_zone: str, **options) -> dict:
    """Changed companies since the watermark (API, or a recent CSV snapshot when the API is
    unreachable) into the raw zone; returns the extract's path and its counts. ``options``
    go to ``extract_registry`` (``deadline``, ``snapshot_max_age_days``, ...)."""
    from ucj.registry.client import extract_registry

    result = extract_registry(base_url, token,
                              state_dir=lake_io.extract_state_dir(lake, SOURCE),
                              landing_dir=landing_zone,
                              out_dir=lake_io.extracts_dir(lake, SOURCE), **options)
    return {**result.as_dict(),
            "extract_id": lake_io.location(result.path).stem.removeprefix("perusahaan_")}
