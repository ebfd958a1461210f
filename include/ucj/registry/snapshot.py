"""The registry's CSV snapshot ``registry/perusahaan_YYYYMMDD.csv``: the contract's stand-in
"where the API is not reachable", used only when it is recent enough."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone

import fsspec
from fsspec.implementations.local import LocalFileSystem

from ucj.registry.errors import RegistryUnavailable, SnapshotUnusable
from ucj.registry.records import parse_csv

SNAPSHOT_NAME = re.compile(r"^perusahaan_(\d{8})\.csv$")
WIB = timezone(timedelta(hours=7))  # the date in a snapshot's name is the office's (Subang)
# Snapshots come monthly (one per month's end), and the compliance marts judge each
# enrollment month against the registry. WLKP reports are yearly, so a company's headcount
# in a snapshot a few weeks old is mostly still its latest; what such a snapshot misses is
# new companies (OSS issues NIBs every day) and closures. Beyond 45 days (a month's snapshot
# plus two weeks' grace for a late export) a whole month of new companies is missing: they
# would be judged unregistered or not judged at all, so an older snapshot is refused.
SNAPSHOT_MAX_AGE_DAYS = 45


def load_snapshot_csv(path: str | os.PathLike) -> list[dict]:
    """A ``registry/perusahaan_YYYYMMDD.csv`` snapshot (local or fsspec URL), all text.

    Values are not normalised here (kbli that lost its leading zero, formatted npwp):
    validation reports them; a blank cell becomes None like the API's null.
    """
    try:
        with fsspec.open(str(path), "r", encoding="utf-8-sig", newline="") as fh:
            return parse_csv(fh, str(path))
    except UnicodeDecodeError as exc:  # name the file, as the other readers do
        from ucj.io.readers.text import undecodable

        raise undecodable(path, None, exc, "utf-8") from None


def newest_snapshot(landing_dir: str | os.PathLike) -> str | None:
    """The snapshot with the latest date in its name under ``landing_dir/registry/``."""
    fs, root = fsspec.core.url_to_fs(str(landing_dir))
    found = []
    for path in fs.glob(f"{root.rstrip('/')}/registry/perusahaan_*.csv"):
        match = SNAPSHOT_NAME.match(path.rsplit("/", 1)[-1])
        if match:
            found.append((match.group(1), path))
    if not found:
        return None
    newest = max(found)[1]
    local = isinstance(fs, LocalFileSystem)
    return newest if local else fs.unstrip_protocol(newest)


def snapshot_day(path: str) -> date:
    """The date in a snapshot's name (``perusahaan_20260131.csv`` -> 2026-01-31)."""
    match = SNAPSHOT_NAME.match(str(path).rsplit("/", 1)[-1])
    if match is None:
        raise ValueError(f"{path} is not named perusahaan_YYYYMMDD.csv")
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        raise SnapshotUnusable(f"{path}: {match.group(1)} is not a date") from None


def usable_snapshot(landing_dir: str | os.PathLike, max_age_days: float | None,
                    cause: RegistryUnavailable, today: date | None = None) -> tuple[str, int]:
    """The newest snapshot and its age in days, when it may stand in for the unreachable API
    (``cause``); raises :class:`SnapshotUnusable` naming the snapshot and its age otherwise.
    ``max_age_days`` None takes any age (for tools reading an archive, never the DAG)."""
    path = newest_snapshot(landing_dir)
    if path is None:
        raise SnapshotUnusable(f"{cause}; no snapshot in {landing_dir}/registry to fall back "
                               f"on") from cause
    today = today or datetime.now(WIB).date()
    age = (today - snapshot_day(path)).days
    if max_age_days is not None and age > max_age_days:
        raise SnapshotUnusable(
            f"{cause}; the newest snapshot {path} is {age} days old, older than the "
            f"{max_age_days:g} days allowed (ucj_registry_snapshot_max_age_days): not used"
        ) from cause
    return path, age
