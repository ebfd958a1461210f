"""Company registry extraction (SOURCES.md section 2): credentials, and the incremental
extraction with its snapshot fallback. The pieces live beside it (``fetch``: the API;
``snapshot``: the CSV stand-in; ``watermark``: what was committed; ``errors``).

    creds = credentials_from_connection(BaseHook.get_connection("ucj_registry_api"))
    result = extract_registry(creds.base_url, creds.token, state_dir, landing_dir, out_dir)
    # ... validate result.path into the lake, then:
    commit_extract(result.path, valid_nibs)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ucj.config import MissingSecret
from ucj.io import store
from ucj.registry.errors import (  # noqa: F401 - the package's errors, importable from here
    RegistryAuthError,
    RegistryBadResponse,
    RegistryDeadlineExceeded,
    RegistryError,
    RegistryIncomplete,
    RegistryStateError,
    RegistryUnavailable,
    SnapshotUnusable,
)
from ucj.registry.fetch import (  # noqa: F401
    DEADLINE_SECONDS,
    FetchStats,
    RetryPolicy,
    fetch_companies,
    retry_after_seconds,
)
from ucj.registry.records import write_jsonl
from ucj.registry.snapshot import (  # noqa: F401
    SNAPSHOT_MAX_AGE_DAYS,
    load_snapshot_csv,
    newest_snapshot,
    usable_snapshot,
)
from ucj.registry.watermark import (  # noqa: F401
    STATE_FILE,
    Watermark,
    advance_watermark,
    commit_extract,
    read_watermark,
    write_claim,
    write_watermark,
)

log = logging.getLogger(__name__)
FALLBACK_NOTICE = "registry_snapshot_fallback"


@dataclass(frozen=True)
class RegistryCredentials:
    base_url: str
    token: str = field(repr=False)  # kept out of logs and tracebacks


def credentials_from_connection(
    conn: object, conn_id: str = "ucj_registry_api"
) -> RegistryCredentials:
    """Base URL and token from an Airflow-connection-like object (.host/.schema/.port/.password).

    host is the base URL (``http://127.0.0.1:8765``) or a bare host name, then completed with
    schema (``http``/``https``, default https so a token never goes out in clear by accident)
    and port.
    """
    host = (getattr(conn, "host", None) or "").strip().rstrip("/")
    token = getattr(conn, "password", None)
    if not host:
        raise MissingSecret(f"connection {conn_id} has no host (the registry API base URL)")
    if not token:
        raise MissingSecret(f"connection {conn_id} has no password (the registry API token)")
    schema = (getattr(conn, "schema", None) or "").lower()
    if "://" not in host:
        host = f"{schema if schema in ('http', 'https') else 'https'}://{host}"
    parts = urlsplit(host)
    port = getattr(conn, "port", None)
    if port and parts.port is None:
        parts = parts._replace(netloc=f"{parts.netloc}:{port}")
    return RegistryCredentials(urlunsplit(parts), token)


@dataclass
class ExtractResult:
    path: str
    source: str  # "api" or "snapshot"
    records: int
    pages: int = 0
    requests: int = 0
    retries: int = 0
    duplicates_dropped: int = 0
    seconds: float = 0.0  # spent on the API, within the deadline
    already_extracted: int = 0  # served again but committed before: not written again
    held_again: int = 0  # quarantined before, in this extract to be validated again
    updated_since: str | None = None  # what the API was asked for
    watermark_before: str | None = None
    claim: str | None = None  # the commit's ticket: moved only once validated
    snapshot: str | None = None
    snapshot_age_days: int | None = None
    fallback_reason: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def extract_registry(
    base_url: str,
    token: str,
    state_dir: str | os.PathLike,
    landing_dir: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    fallback: bool = True,
    snapshot_max_age_days: float | None = SNAPSHOT_MAX_AGE_DAYS,
    today: date | None = None,
    notify: Callable[..., object] | None = None,
    **fetch_options,
) -> ExtractResult:
    """Fetch what changed since the watermark (and the records held in quarantine), write it
    as JSON lines with its claim beside it. The watermark itself moves only when the extract
    is committed after validation (:func:`commit_extract`).

    Only an unreachable API (:class:`RegistryUnavailable`) lets the newest CSV snapshot in
    ``landing_dir/registry/`` stand in, and only one not older than
    ``snapshot_max_age_days``; the data engineers are told each time (``notify``, default
    ``ucj.notify.tell_data_engineers``). An API that answers what cannot be read, a bad token
    and a trickling body raise instead.
    """
    mark = read_watermark(state_dir)
    since = mark.request_since()
    stats = FetchStats()
    snapshot = reason = age = None
    try:
        records = fetch_companies(base_url, token, updated_since=since, stats=stats,
                                  **fetch_options)
    except RegistryUnavailable as exc:
        if not fallback:
            raise
        snapshot, age = usable_snapshot(landing_dir, snapshot_max_age_days, exc, today)
        reason = str(exc)
        records = load_snapshot_csv(snapshot)
    fresh = [r for r in records if mark.wanted(r)]
    path = _extract_path(store.location(out_dir) if out_dir
                         else store.location(state_dir) / "extracts")
    write_jsonl(path, fresh)
    claim = write_claim(path, state_dir, mark)
    result = ExtractResult(
        path=str(path),
        source="api" if snapshot is None else "snapshot",
        records=len(fresh),
        pages=stats.pages,
        requests=stats.requests,
        retries=stats.retries,
        duplicates_dropped=stats.duplicates_dropped,
        seconds=stats.seconds,
        already_extracted=len(records) - len(fresh),
        held_again=sum(str(r.get("nib")) in mark.held for r in fresh),
        updated_since=since,
        watermark_before=mark.updated_at,
        claim=str(claim),
        snapshot=snapshot,
        snapshot_age_days=age,
        fallback_reason=reason,
    )
    if snapshot is not None:
        _tell_fallback(notify, result, snapshot_max_age_days)
    return result


def _tell_fallback(notify, result: ExtractResult, max_age: float | None) -> None:
    """No silent fallback: every extract read from a snapshot is reported."""
    if notify is None:
        from ucj.notify import tell_data_engineers as notify
    name = result.snapshot.rsplit("/", 1)[-1]
    subject = f"[UCJ] registry API unreachable: snapshot {name} used"
    text = (f"The company registry API could not be reached, so the extraction read the CSV "
            f"snapshot {result.snapshot} ({result.snapshot_age_days} days old; at most "
            f"{max_age} allowed) instead: {result.records} records to validate.\n"
            f"Companies registered or changed since the snapshot are missing until the API "
            f"answers again.\n\nWhy: {result.fallback_reason}")
    log.warning("registry snapshot fallback: %s (%s days old): %s", result.snapshot,
                result.snapshot_age_days, result.fallback_reason)
    notify(FALLBACK_NOTICE, subject, text, snapshot=result.snapshot,
           snapshot_age_days=result.snapshot_age_days, snapshot_max_age_days=max_age,
           records=result.records, extract=result.path, reason=result.fallback_reason)


def _extract_path(out_dir: Path) -> Path:
    """A new file per run: a retried task never overwrites an extract already handed on."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = out_dir / f"perusahaan_{stamp}.jsonl"
    n = 1
    while path.exists():
        path = out_dir / f"perusahaan_{stamp}_{n}.jsonl"
        n += 1
    return path
