"""Company registry extraction (SOURCES.md section 2): the API client, the CSV snapshot
fallback and the incremental extraction with its watermark.

    creds = credentials_from_connection(BaseHook.get_connection("ucj_registry_api"))
    result = extract_registry(creds.base_url, creds.token, state_dir, landing_dir, out_dir)
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import fsspec
import requests
from fsspec.implementations.local import LocalFileSystem

from ucj.config import MissingSecret
from ucj.registry.records import (
    parse_csv,
    parse_timestamp,
    write_json_atomic,
    write_jsonl,
)

STATE_FILE = "registry_state.json"
SNAPSHOT_NAME = re.compile(r"^perusahaan_(\d{8})\.csv$")
RETRYABLE_4XX = (408, 429)


class RegistryError(RuntimeError):
    """The registry API answered something the contract does not allow."""


class RegistryAuthError(RegistryError):
    """401/403: the token is wrong or missing. Never retried: retrying cannot fix it."""


class RegistryUnavailable(RegistryError):
    """The API did not answer usably within the retries (5xx, 429, connection errors)."""


class RegistryIncomplete(RegistryUnavailable):
    """Pages kept changing under the reader: fewer distinct records than the API's total."""


class RegistryStateError(RuntimeError):
    """The watermark state file cannot be read; never silently restarted from scratch."""


@dataclass
class FetchStats:
    """What a fetch did; filled in place so the caller gets it even when the fetch fails."""

    pages: int = 0
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    duplicates_dropped: int = 0  # records served twice within one pass (shifting pages)
    passes: int = 0
    total: int | None = None
    statuses: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5  # per page, on top of the first attempt
    backoff: float = 0.5  # seconds before the first retry; doubles each retry
    max_backoff: float = 30.0
    max_retry_after: float = 60.0  # cap on a server's Retry-After


@dataclass(frozen=True)
class RegistryCredentials:
    base_url: str
    token: str = field(repr=False)  # kept out of logs and tracebacks


# -- credentials ----------------------------------------------------------------------------


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


# -- fetching -------------------------------------------------------------------------------


def fetch_companies(
    base_url: str,
    token: str,
    updated_since: str | None = None,
    per_page: int = 500,
    max_retries: int = 5,
    backoff: float = 0.5,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    *,
    max_backoff: float = 30.0,
    max_retry_after: float = 60.0,
    timeout: float = 30.0,
    max_passes: int = 3,
    rng: random.Random | None = None,
    stats: FetchStats | None = None,
) -> list[dict]:
    """All companies (updated_at >= updated_since when given), one record per nib.

    Follows next_page to the end. A record served twice (pages shift while being read) is
    kept once, the version with the latest updated_at. A shift can also push a record past
    the reader, so when fewer distinct records than the API's total arrive, the pages are
    read again (up to max_passes) and merged; still short raises RegistryIncomplete.
    """
    if not token:
        raise RegistryAuthError("no registry API token configured")
    stats = stats if stats is not None else FetchStats()
    policy = RetryPolicy(max_retries, backoff, max_backoff, max_retry_after)
    own_session = session is None
    fetcher = _PageFetcher(
        base_url, token, session or requests.Session(), policy, timeout, sleep, rng, stats
    )
    try:
        return _read_until_complete(fetcher, updated_since, per_page, max_passes)
    finally:
        if own_session:
            fetcher.session.close()


def _read_until_complete(fetcher, updated_since, per_page, max_passes) -> list[dict]:
    merged: dict[str, dict] = {}
    for _ in range(max(1, max_passes)):
        fetcher.stats.passes += 1
        total = _read_pass(fetcher, updated_since, per_page, merged)
        fetcher.stats.total = total
        if len(merged) >= total:
            return list(merged.values())
    raise RegistryIncomplete(
        f"registry pages kept changing: {len(merged)} distinct records after "
        f"{fetcher.stats.passes} passes, the API reports {fetcher.stats.total}"
    )


def _read_pass(fetcher, updated_since, per_page, merged: dict[str, dict]) -> int:
    """One walk through the pages, merged into ``merged``; returns the last page's total."""
    seen: set[str] = set()
    page: int | None = 1
    total = 0
    while page is not None:
        body = fetcher.get(page, per_page, updated_since)
        fetcher.stats.pages += 1
        for record in body["data"]:
            key = str(record.get("nib"))
            if key in seen:
                fetcher.stats.duplicates_dropped += 1
            seen.add(key)
            _keep_latest(merged, key, record)
        total = body["meta"]["total"]
        page = _next_page(page, body["meta"].get("next_page"))
    return total


def _keep_latest(merged: dict[str, dict], key: str, record: dict) -> None:
    current = merged.get(key)
    if current is None or _stamp(record) >= _stamp(current):
        merged[key] = record


def _stamp(record: dict) -> datetime:
    return parse_timestamp(record.get("updated_at")) or datetime.min.replace(tzinfo=UTC)


def _next_page(page: int, next_page: object) -> int | None:
    if next_page is None:
        return None
    # a next_page that does not move forward would loop for ever
    if not isinstance(next_page, int) or isinstance(next_page, bool) or next_page <= page:
        raise RegistryError(f"registry API sent next_page={next_page!r} after page {page}")
    return next_page


class _PageFetcher:
    """GET one page with retries: 429 waits Retry-After (capped), 5xx, timeouts and
    connection errors back off exponentially with jitter, 401/403 fail at once."""

    def __init__(self, base_url, token, session, policy, timeout, sleep, rng, stats) -> None:
        self.url = base_url.rstrip("/") + "/perusahaan"
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.session = session
        self.policy: RetryPolicy = policy
        self.timeout = timeout
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats: FetchStats = stats

    def get(self, page: int, per_page: int, updated_since: str | None) -> dict:
        params = {"page": page, "per_page": per_page}
        if updated_since:
            params["updated_since"] = updated_since
        problem = ""
        for attempt in range(self.policy.max_retries + 1):
            body, delay, problem = self._attempt(params, attempt)
            if body is not None:
                return body
            if attempt < self.policy.max_retries:
                self.stats.retries += 1
                self.sleep(delay)
        raise RegistryUnavailable(
            f"registry API {self.url} page {page}: {problem} "
            f"after {self.policy.max_retries + 1} attempts"
        )

    def _attempt(self, params: dict, attempt: int) -> tuple[dict | None, float, str]:
        """(body, 0, "") on success, else (None, seconds to wait, what went wrong)."""
        self.stats.requests += 1
        try:
            response = self.session.get(
                self.url, params=params, headers=self.headers, timeout=self.timeout
            )
        except requests.RequestException as exc:  # refused, reset, timed out
            return None, self._backoff(attempt), type(exc).__name__
        status = response.status_code
        self.stats.statuses[status] += 1
        if status == 200:
            body = _valid_body(response)
            if body is not None:
                return body, 0.0, ""
            return None, self._backoff(attempt), "malformed response body"
        if status in (401, 403):
            raise RegistryAuthError(f"registry API refused the token (HTTP {status})")
        if status == 429:
            self.stats.throttled += 1
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            delay = self._backoff(attempt) if wait is None else wait
            return None, min(delay, self.policy.max_retry_after), "HTTP 429"
        if status >= 500 or status in RETRYABLE_4XX:
            return None, self._backoff(attempt), f"HTTP {status}"
        raise RegistryError(f"registry API {self.url}: HTTP {status} {response.text[:200]!r}")

    def _backoff(self, attempt: int) -> float:
        """Exponential, with "equal jitter" so clients retrying together spread out."""
        base = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
        return base / 2 + self.rng.uniform(0, base / 2)


def _valid_body(response: requests.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    data, meta = body.get("data"), body.get("meta")
    if not isinstance(data, list) or not isinstance(meta, dict):
        return None
    if not isinstance(meta.get("total"), int):
        return None
    return body


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds (the contract) or an HTTP date; None if neither."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# -- the CSV snapshot -----------------------------------------------------------------------


def load_snapshot_csv(path: str | os.PathLike) -> list[dict]:
    """A ``registry/perusahaan_YYYYMMDD.csv`` snapshot (local or fsspec URL), all text.

    Values are not normalised here (kbli that lost its leading zero, formatted npwp):
    validation reports them; a blank cell becomes None like the API's null.
    """
    try:
        with fsspec.open(str(path), "r", encoding="utf-8-sig", newline="") as fh:
            return parse_csv(fh, str(path))
    except UnicodeDecodeError as exc:  # name the file, as the other readers do
        from ucj.io.readers import undecodable

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


# -- incremental extraction -----------------------------------------------------------------


@dataclass(frozen=True)
class Watermark:
    """The latest updated_at extracted, and the nibs extracted at exactly that instant.

    updated_since is inclusive, so the next run asks from the watermark itself (a record
    changed later in the same second is not lost) and drops the nibs already taken there.
    """

    updated_at: str | None = None
    nibs: frozenset[str] = frozenset()


@dataclass
class ExtractResult:
    path: str
    source: str  # "api" or "snapshot"
    records: int
    pages: int = 0
    requests: int = 0
    retries: int = 0
    duplicates_dropped: int = 0
    already_extracted: int = 0  # served again at the watermark instant, not written again
    watermark_before: str | None = None
    watermark_after: str | None = None
    snapshot: str | None = None
    fallback_reason: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def read_watermark(state_dir: str | os.PathLike) -> Watermark:
    path = Path(state_dir) / STATE_FILE
    if not path.exists():
        return Watermark()
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        return Watermark(state.get("updated_at"), frozenset(state.get("nibs_at_watermark", [])))
    except (ValueError, AttributeError, TypeError) as exc:
        raise RegistryStateError(f"cannot read the registry watermark {path}: {exc}") from exc


def write_watermark(state_dir: str | os.PathLike, mark: Watermark, extract_path: str) -> None:
    state = {
        "updated_at": mark.updated_at,
        "nibs_at_watermark": sorted(mark.nibs),
        "last_extract": extract_path,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_json_atomic(Path(state_dir) / STATE_FILE, state)


def extract_registry(
    base_url: str,
    token: str,
    state_dir: str | os.PathLike,
    landing_dir: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    fallback: bool = True,
    **fetch_options,
) -> ExtractResult:
    """Fetch what changed since the watermark, write it as JSON lines, then move the mark.

    When the API stays unavailable, the newest CSV snapshot in ``landing_dir/registry/``
    stands in (filtered by the same watermark) and the result says so. A bad token is not a
    reason to fall back: it raises. The watermark moves only after the file is written, so a
    failed write means the next run fetches the same records again.
    """
    mark = read_watermark(state_dir)
    stats = FetchStats()
    snapshot = reason = None
    try:
        records = fetch_companies(
            base_url, token, updated_since=mark.updated_at, stats=stats, **fetch_options
        )
    except RegistryUnavailable as exc:
        if not fallback:
            raise
        snapshot, reason = newest_snapshot(landing_dir), str(exc)
        if snapshot is None:
            raise RegistryUnavailable(f"{exc}; no snapshot in {landing_dir}/registry") from exc
        records = [r for r in load_snapshot_csv(snapshot) if _at_or_after(r, mark)]
    fresh = [r for r in records if not _already_extracted(r, mark)]
    path = _extract_path(Path(out_dir) if out_dir else Path(state_dir) / "extracts")
    write_jsonl(path, fresh)
    new_mark = advance_watermark(mark, fresh)
    if new_mark != mark:
        write_watermark(state_dir, new_mark, str(path))
    return ExtractResult(
        path=str(path),
        source="api" if snapshot is None else "snapshot",
        records=len(fresh),
        pages=stats.pages,
        requests=stats.requests,
        retries=stats.retries,
        duplicates_dropped=stats.duplicates_dropped,
        already_extracted=len(records) - len(fresh),
        watermark_before=mark.updated_at,
        watermark_after=new_mark.updated_at,
        snapshot=snapshot,
        fallback_reason=reason,
    )


def _at_or_after(record: dict, mark: Watermark) -> bool:
    """The API's updated_since rule applied to a snapshot row; an unreadable timestamp is
    kept so validation can report it rather than it vanishing here."""
    since = parse_timestamp(mark.updated_at)
    stamp = parse_timestamp(record.get("updated_at"))
    return since is None or stamp is None or stamp >= since


def _already_extracted(record: dict, mark: Watermark) -> bool:
    since = parse_timestamp(mark.updated_at)
    stamp = parse_timestamp(record.get("updated_at"))
    return since is not None and stamp == since and str(record.get("nib")) in mark.nibs


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
    return Watermark(raw, frozenset(nibs))


def _extract_path(out_dir: Path) -> Path:
    """A new file per run: a retried task never overwrites an extract already handed on."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = out_dir / f"perusahaan_{stamp}.jsonl"
    n = 1
    while path.exists():
        path = out_dir / f"perusahaan_{stamp}_{n}.jsonl"
        n += 1
    return path
