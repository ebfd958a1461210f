"""Helpers for the registry tests: contract-shaped company records, CSV snapshots and a
sleep recorder. (A uniquely named module, so it never clashes with other test folders.)"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ucj.registry.records import FIELDS

TOKEN = "test-token-123"
WIB = timezone(timedelta(hours=7))
START = datetime(2025, 3, 1, 8, 0, tzinfo=WIB)


def company(i: int, updated_at: datetime | str | None = None, **changes) -> dict:
    """One record as the API sends it, valid by the contract's rules; i picks the nib and
    varies the other fields."""
    stamp = updated_at or START + timedelta(minutes=i)
    laki, perempuan = 3 + i % 7, 2 + i % 5
    record = {
        "nib": f"{9120000000000 + i:013d}",
        "npp": None if i % 4 == 0 else f"{10000000 + i:08d}",
        "npwp": f"01000000800{i % 10000:04d}",  # legacy 15 digits, check digit right
        "nama_perusahaan": f"PT CONTOH {i}",
        "kbli": "01111" if i % 2 else "47111",
        "skala_usaha": ("MIKRO", "KECIL", "MENENGAH", "BESAR")[i % 4],
        "kode_desa": "32.13.01.2003",  # desa Sukamandi, Kecamatan Sagalaherang
        "jumlah_tk_laki": laki,
        "jumlah_tk_perempuan": perempuan,
        "jumlah_tk_wlkp": laki + perempuan,
        "tgl_lapor_wlkp": "2025-01-15",
        "status_usaha": "AKTIF",
        "updated_at": stamp if isinstance(stamp, str) else stamp.isoformat(),
    }
    record.update(changes)
    return record


def make_records(n: int, first: int = 0) -> list[dict]:
    return [company(i) for i in range(first, first + n)]


def write_snapshot(path: Path, records: list[dict]) -> Path:
    """A CSV snapshot as the registry office exports it (blank cell for a null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return path


class SleepRecorder:
    """Stands in for time.sleep: records the waits instead of spending them."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def today_wib():
    """Today in Subang, the date a snapshot exported today is named with."""
    from ucj.registry.snapshot import WIB

    return datetime.now(WIB).date()


def snapshot_name(days_old: int = 0) -> str:
    return f"perusahaan_{today_wib() - timedelta(days=days_old):%Y%m%d}.csv"
