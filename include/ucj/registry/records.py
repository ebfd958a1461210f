"""Company registry records: field list, timestamps and the file formats shared by the API
client and the local API server (JSON lines and the CSV snapshot)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ucj.io import store
from ucj.refusal import Refused

FIELDS = (
    "nib",
    "npp",
    "npwp",
    "nama_perusahaan",
    "kbli",
    "skala_usaha",
    "kode_desa",
    "jumlah_tk_laki",
    "jumlah_tk_perempuan",
    "jumlah_tk_wlkp",
    "tgl_lapor_wlkp",
    "status_usaha",
    "updated_at",
)
COUNT_FIELDS = ("jumlah_tk_laki", "jumlah_tk_perempuan", "jumlah_tk_wlkp")


class SnapshotFormatError(Refused, ValueError):
    """A CSV snapshot does not carry the contract's fields."""


def parse_timestamp(value: object) -> datetime | None:
    """ISO-8601 to an aware datetime (naive means UTC); None when it is not a timestamp.

    Comparing parsed values, not strings, keeps `...Z`, `+00:00` and `+07:00` forms in order.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        # a `+07:00` offset that lost its `+` to URL decoding arrives as a space
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "+"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def order_key(record: dict) -> tuple:
    """The API's stable order: updated_at then nib; unreadable timestamps sort last."""
    ts = parse_timestamp(record.get("updated_at"))
    return (ts is None, ts or datetime.min.replace(tzinfo=UTC), str(record.get("nib") or ""))


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_csv(path: str | os.PathLike) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return parse_csv(fh, str(path))


def parse_csv(fh: TextIO, name: str) -> list[dict]:
    """Every value as text (leading zeros stay); a blank cell is None like the API's null."""
    # cells beyond the header are kept under "_extra" so validation can reject the row
    reader = csv.DictReader(fh, delimiter=",", restkey="_extra")
    missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise SnapshotFormatError(f"{name}: missing column(s) {', '.join(missing)}")
    return [_blank_to_none(row) for row in reader if not _is_blank(row)]


def _is_blank(row: dict) -> bool:
    """A line of only delimiters (spreadsheets leave them at the end)."""
    return not any(isinstance(v, str) and v.strip() for v in row.values())


def _blank_to_none(row: dict) -> dict:
    return {key: (None if value == "" else value) for key, value in row.items()}


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """Write one JSON object a line; returns the number written."""
    count = 0

    def write(fh) -> None:
        nonlocal count
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1

    _atomic_write(path, write)
    return count


def write_json_atomic(path: str | os.PathLike, payload: object) -> None:
    _atomic_write(path, lambda fh: json.dump(payload, fh, indent=2, ensure_ascii=False))


def _atomic_write(path: str | os.PathLike, write: Callable[[TextIO], None]) -> None:
    """Temp file + rename: a reader never sees half a file, a failure leaves nothing behind.
    On an object store (the lake's raw zone there) the temp file is local and goes up in one
    PUT, which is atomic as the rename is."""
    if store.is_remote(path):
        with tempfile.TemporaryDirectory(prefix="ucj-registry-") as tmp:
            local = Path(tmp) / "upload"
            _atomic_write(local, write)
            fs, key = store.fs_and_path(path)
            fs.put_file(str(local), key)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write(fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
