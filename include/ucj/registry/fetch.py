"""Reading the company registry API (SOURCES.md section 2): pages, retries and an overall
deadline.

Every extraction has a time limit across all its pages, passes and retries (``deadline``
seconds). The per-request ``timeout`` alone is per socket read: a server sending one byte
every few seconds never trips it. So each request runs in a worker thread that the caller
waits for no longer than what is left of the deadline.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from ucj.registry.errors import (
    RegistryAuthError,
    RegistryBadResponse,
    RegistryDeadlineExceeded,
    RegistryError,
    RegistryIncomplete,
    RegistryUnavailable,
)
from ucj.registry.records import parse_timestamp

RETRYABLE_4XX = (408, 429)
# A full read of Kabupaten Subang's registry (the first run, or a re-read from the oldest
# quarantined record) is in the order of 100,000 companies with a NIB: some 200 pages of 500,
# about a second each. 20 minutes leaves room for 5xx back-offs and Retry-After waits (capped
# at 60 s); a daily extraction still reading after that is stuck, not slow. Keep it below the
# extract task's execution_timeout (dags/ucj_registry.py) so this, naming the page, fires first.
DEADLINE_SECONDS = 20 * 60.0
FIRST_BYTES = 120  # how much of an unreadable body an error message quotes


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
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5  # per page, on top of the first attempt
    backoff: float = 0.5  # seconds before the first retry; doubles each retry
    max_backoff: float = 30.0
    max_retry_after: float = 60.0  # cap on a server's Retry-After


class Deadline:
    """An overall time limit on the monotonic clock."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not seconds > 0:
            raise ValueError(f"the registry deadline must be a positive number of seconds, "
                             f"not {seconds!r}")
        self.seconds = float(seconds)
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()


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
    deadline: float = DEADLINE_SECONDS,
    max_passes: int = 3,
    rng: random.Random | None = None,
    stats: FetchStats | None = None,
) -> list[dict]:
    """All companies (updated_at >= updated_since when given), one record per nib.

    Follows next_page to the end. A record served twice (pages shift while being read) is
    kept once, the version with the latest updated_at. A shift can also push a record past
    the reader, so when fewer distinct records than the API's total arrive, the pages are
    read again (up to max_passes) and merged; still short raises RegistryIncomplete.
    ``timeout`` bounds each socket read, ``deadline`` the whole fetch (seconds).
    """
    if not token:
        raise RegistryAuthError("no registry API token configured")
    stats = stats if stats is not None else FetchStats()
    policy = RetryPolicy(max_retries, backoff, max_backoff, max_retry_after)
    own_session = session is None
    fetcher = _PageFetcher(base_url, token, session or requests.Session(), policy, timeout,
                           Deadline(deadline), sleep, rng, stats)
    try:
        return _read_until_complete(fetcher, updated_since, per_page, max_passes)
    finally:
        stats.seconds = round(fetcher.deadline.elapsed(), 3)
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
        raise RegistryBadResponse(f"registry API sent next_page={next_page!r} after page {page}")
    return next_page


@dataclass
class _Exchange:
    """One GET as the worker thread saw it: the response (once its headers came), the body
    bytes received so far, the exception that ended it."""

    response: requests.Response | None = None
    body: bytearray = field(default_factory=bytearray)
    error: BaseException | None = None
    out_of_time: bool = False  # the deadline passed before any answer
    done: threading.Event = field(default_factory=threading.Event)

    def describe(self) -> str:
        """HTTP status, content type and the first bytes, for an error message."""
        response = self.response
        ctype = (response.headers.get("Content-Type") if response is not None else None)
        status = response.status_code if response is not None else "?"
        return (f"HTTP {status}, Content-Type {ctype or 'none'}, {len(self.body)} bytes, "
                f"first bytes {bytes(self.body[:FIRST_BYTES])!r}")


class _PageFetcher:
    """GET one page with retries: 429 waits Retry-After (capped), 5xx, timeouts and
    connection errors back off exponentially with jitter, 401/403 fail at once; nothing
    waits past the deadline."""

    def __init__(self, base_url, token, session, policy, timeout, deadline, sleep, rng,
                 stats) -> None:
        self.url = base_url.rstrip("/") + "/perusahaan"
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.session = session
        self.policy: RetryPolicy = policy
        self.timeout = timeout
        self.deadline: Deadline = deadline
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats: FetchStats = stats

    def get(self, page: int, per_page: int, updated_since: str | None) -> dict:
        params = {"page": page, "per_page": per_page}
        if updated_since:
            params["updated_since"] = updated_since
        problem, unreadable = "", None
        for attempt in range(self.policy.max_retries + 1):
            if self.deadline.remaining() <= 0:
                raise self._give_up(page, problem, unreadable,
                                    f"when {self._past_deadline()} ran out")
            body, delay, problem, bad = self._attempt(page, params, attempt)
            if body is not None:
                return body
            unreadable = bad or unreadable
            if delay is None:  # the deadline passed waiting for this answer
                raise self._give_up(page, problem, unreadable,
                                    f"within {self._past_deadline()}")
            if attempt == self.policy.max_retries:
                break
            if delay >= self.deadline.remaining():
                raise self._give_up(page, problem, unreadable,
                                    f"(giving up: the next try in {delay:.1f} s would "
                                    f"pass {self._past_deadline()})")
            self.stats.retries += 1
            self.sleep(delay)
        raise self._give_up(page, problem, unreadable,
                            f"after {self.policy.max_retries + 1} attempts")

    def _past_deadline(self) -> str:
        return f"the extraction's deadline of {self.deadline.seconds:g} s"

    def _give_up(self, page: int, problem: str, unreadable: str | None, when: str):
        """An answer that could not be read makes it a broken API, not an unreachable one."""
        if unreadable:
            return RegistryBadResponse(f"registry API {self.url} page {page} answered but "
                                       f"cannot be read ({when}): {unreadable}")
        return RegistryUnavailable(f"registry API {self.url} page {page}: "
                                   f"{problem or 'no answer'} {when}")

    def _attempt(self, page: int, params: dict, attempt: int):
        """(body, 0, "", None) on success, else (None, seconds to wait (None: no time
        left), what went wrong, the description of an answer that could not be read)."""
        self.stats.requests += 1
        exchange = self._exchange(page, params)
        response = exchange.response
        if response is None:  # refused, reset, timed out before any answer
            if exchange.out_of_time:
                return None, None, "no answer", None
            return None, self._backoff(attempt), type(exchange.error).__name__, None
        status = response.status_code
        self.stats.statuses[status] += 1
        if status == 200:
            body, why = _contract_body(exchange)
            if body is not None:
                return body, 0.0, "", None
            return None, self._backoff(attempt), why, f"{why}: {exchange.describe()}"
        if status in (401, 403):
            raise RegistryAuthError(f"registry API {self.url} refused the token "
                                    f"(HTTP {status})")
        if status == 429:
            self.stats.throttled += 1
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            delay = self._backoff(attempt) if wait is None else wait
            return None, min(delay, self.policy.max_retry_after), "HTTP 429", None
        if status >= 500 or status in RETRYABLE_4XX:
            return None, self._backoff(attempt), f"HTTP {status}", None
        raise RegistryError(f"registry API {self.url} page {page}: not in its contract: "
                            f"{exchange.describe()}")

    def _exchange(self, page: int, params: dict) -> _Exchange:
        """One GET and its whole body, waited for no longer than the deadline allows."""
        remaining = self.deadline.remaining()
        exchange = _Exchange()

        def work() -> None:
            try:
                response = self.session.get(self.url, params=params, headers=self.headers,
                                            timeout=min(self.timeout, remaining), stream=True)
                exchange.response = response
                # read1: whatever has arrived, so a body cut off still shows its first bytes
                while chunk := response.raw.read1(65536, decode_content=True):
                    exchange.body += chunk
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                exchange.error = exc
            finally:
                exchange.done.set()

        # a daemon: a worker still blocked when the deadline passes never holds the process
        threading.Thread(target=work, name="ucj-registry-get", daemon=True).start()
        if exchange.done.wait(max(remaining, 0.0)):
            return exchange
        if exchange.response is None:  # nothing came back at all: unreachable
            exchange.out_of_time = True
            return exchange
        exchange.response.close()  # unblocks the worker; its late bytes are not wanted
        raise RegistryDeadlineExceeded(
            f"registry API {self.url} page {page} answered but its body was still arriving "
            f"when {self._past_deadline()} passed: {exchange.describe()}")

    def _backoff(self, attempt: int) -> float:
        """Exponential, with "equal jitter" so clients retrying together spread out."""
        base = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
        return base / 2 + self.rng.uniform(0, base / 2)


def _contract_body(exchange: _Exchange) -> tuple[dict | None, str]:
    """The page as the contract shapes it, or None and why it is not."""
    if exchange.error is not None:  # the connection broke after the headers
        error = exchange.error
        return None, f"body cut off ({type(error).__name__}: {str(error)[:100]})"
    try:
        body = json.loads(bytes(exchange.body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "body is not JSON"
    if not isinstance(body, dict):
        return None, "JSON is not an object"
    data, meta = body.get("data"), body.get("meta")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        return None, "JSON has no list of records under 'data'"
    if not isinstance(meta, dict) or not isinstance(meta.get("total"), int):
        return None, "JSON has no 'meta' with an integer 'total'"
    return body, ""


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
