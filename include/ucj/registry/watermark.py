"""The registry's incremental watermark, moved only over records validated and committed.

The extract task asks the API for what changed since the watermark and writes an extract
with a *claim* beside it (``perusahaan_<id>.claim.json``: which state it belongs to); it
never moves the watermark. The validate task, once the valid and the quarantine partitions
are swapped into the lake, commits the claim (:func:`commit_extract`): the watermark moves
over the extract's records, and every record that went to the quarantine is *held* (nib and
updated_at). A held record keeps the next requests starting from its updated_at, and is kept
in the next extracts (even unchanged, or corrected under the same updated_at) until a version
of it passes; then it is released. A run that fails between extract and validate commits
nothing, so the next run asks for the same records again.

Limits: a held record whose updated_at cannot be read makes the next runs read the API from
the beginning (it cannot be asked for otherwise); a record without a nib cannot be matched to
its correction and is not held (it stays in the quarantine for the engineers).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ucj.io import store
from ucj.registry.errors import RegistryStateError
from ucj.registry.records import parse_timestamp, write_json_atomic

STATE_FILE = "registry_state.json"
CLAIM_SUFFIX = ".claim.json"
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Held:
    """A quarantined record waiting for a version that passes."""

    updated_at: str | None
    extract: str  # the extract that quarantined it (orders two commits of one nib)


@dataclass(frozen=True)
class Watermark:
    """The latest updated_at committed, the nibs committed at exactly that instant, and the
    quarantined records held for a re-read.

    updated_since is inclusive, so the next run asks from the watermark itself (a record
    changed later in the same second is not lost) and drops the nibs already taken there.
    """

    updated_at: str | None = None
    nibs: frozenset[str] = frozenset()
    held: Mapping[str, Held] = field(default_factory=dict)

    def request_since(self) -> str | None:
        """What to ask the API for: from the watermark, or from the oldest held record."""
        if self.updated_at is None:
            return None
        floor, since = self.updated_at, parse_timestamp(self.updated_at)
        for held in self.held.values():
            stamp = parse_timestamp(held.updated_at)
            if stamp is None:
                return None  # only a full read can bring it back
            if stamp < since:
                floor, since = held.updated_at, stamp
        return floor

    def wanted(self, record: dict) -> bool:
        """Whether a record served belongs in the next extract: held (to be validated again),
        newer than the watermark, or at its instant and not yet taken. An unreadable
        updated_at is kept so validation reports it rather than it vanishing here."""
        if str(record.get("nib")) in self.held:
            return True
        since = parse_timestamp(self.updated_at)
        stamp = parse_timestamp(record.get("updated_at"))
        if since is None or stamp is None or stamp > since:
            return True
        return stamp == since and str(record.get("nib")) not in self.nibs

    def committed(self, records: Iterable[tuple[object, object]], valid_nibs: set[str],
                  extract_id: str) -> Watermark:
        """The mark after an extract's ``(nib, updated_at)`` records were validated and
        swapped in, ``valid_nibs`` being those in the valid partition."""
        records = list(records)
        held = dict(self.held)
        for nib, updated_at in records:
            if nib is None:
                continue
            key = str(nib)
            stamp = updated_at if isinstance(updated_at, str) else None
            current = held.get(key)
            if current is not None and _order(current.updated_at, current.extract) > _order(
                    stamp, extract_id):
                continue  # a later extract already decided about this company
            if key in valid_nibs:
                held.pop(key, None)
            else:
                held[key] = Held(stamp, extract_id)
        moved = advance_watermark(self, [{"nib": n, "updated_at": u} for n, u in records])
        return Watermark(moved.updated_at, moved.nibs, held)


def _order(updated_at: str | None, extract_id: str) -> tuple:
    return parse_timestamp(updated_at) or _EARLIEST, extract_id


def advance_watermark(mark: Watermark, records: list[dict]) -> Watermark:
    """The latest updated_at among ``records`` (never backwards) and the nibs at it."""
    stamped = [(ts, r) for r in records if (ts := parse_timestamp(r.get("updated_at")))]
    if not stamped:
        return mark
    latest = max(ts for ts, _ in stamped)
    since = parse_timestamp(mark.updated_at)
    if since is not None and latest < since:
        return mark
    nibs = {str(r.get("nib")) for ts, r in stamped if ts == latest}
    if since == latest:
        nibs |= mark.nibs
    raw = next(r["updated_at"] for ts, r in stamped if ts == latest)
    return Watermark(raw, frozenset(nibs), mark.held)


def read_watermark(state_dir: str | os.PathLike) -> Watermark:
    path = store.location(state_dir) / STATE_FILE
    if not path.exists():
        return Watermark()
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        held = {str(nib): Held(h.get("updated_at"), str(h["extract"]))
                for nib, h in (state.get("quarantined_held") or {}).items()}
        return Watermark(state.get("updated_at"), frozenset(state.get("nibs_at_watermark", [])),
                         held)
    except (ValueError, AttributeError, TypeError, KeyError) as exc:
        raise RegistryStateError(f"cannot read the registry watermark {path}: {exc}") from exc


def write_watermark(state_dir: str | os.PathLike, mark: Watermark, extract_path: str) -> None:
    state = {
        "updated_at": mark.updated_at,
        "nibs_at_watermark": sorted(mark.nibs),
        "quarantined_held": {nib: {"updated_at": h.updated_at, "extract": h.extract}
                             for nib, h in sorted(mark.held.items())},
        "last_extract": extract_path,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_json_atomic(store.location(state_dir) / STATE_FILE, state)


# -- claims: from the extract task to the validate task ----------------------------------------


def claim_path(extract_path: str | os.PathLike) -> Path:
    path = store.location(extract_path)
    return path.with_name(path.stem + CLAIM_SUFFIX)


def extract_id_of(extract_path: str | os.PathLike) -> str:
    return store.location(extract_path).stem.removeprefix("perusahaan_")


def write_claim(extract_path: str | os.PathLike, state_dir: str | os.PathLike,
                mark: Watermark) -> Path:
    """Beside the extract: the state it is to be committed to, the mark it was read from."""
    path = claim_path(extract_path)
    state = store.location(state_dir)
    write_json_atomic(path, {"state_dir": str(state if store.is_remote(state)
                                              else Path(state_dir).resolve()),
                             "extract_id": extract_id_of(extract_path),
                             "watermark_before": mark.updated_at})
    return path


def commit_extract(extract_path: str | os.PathLike, valid_nibs: set[str]) -> Watermark | None:
    """Move the watermark of an API/snapshot extract once its partitions are in the lake.
    An extract without a claim (a file handed in by other means) commits nothing. Committing
    the same extract again (a retried validate task) changes nothing."""
    claim_file = claim_path(extract_path)
    if not claim_file.exists():
        return None
    try:
        claim = json.loads(claim_file.read_text(encoding="utf-8"))
        state_dir, extract_id = claim["state_dir"], str(claim["extract_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryStateError(f"cannot read the extract's claim {claim_file}: {exc}") from exc
    mark = read_watermark(state_dir)
    new = mark.committed(_keys(extract_path), valid_nibs, extract_id)
    if new != mark:
        write_watermark(state_dir, new, str(extract_path))
    return new


def _keys(extract_path: str | os.PathLike):
    """(nib, updated_at) of every record of an extract (JSON lines)."""
    with store.location(extract_path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                yield record.get("nib"), record.get("updated_at")
