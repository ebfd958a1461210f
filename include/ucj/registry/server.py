"""A local implementation of the company registry HTTP API (SOURCES.md section 2).

It serves the demo and the tests as a real HTTP server on loopback, with the faults the real
API shows configured at start: throttling (429 + Retry-After), transient 5xx, a bad token
(401) and pages that change while being read; and those of a broken API or network: a body
that is not the contract's (an HTML page, not JSON, the wrong shape, cut off), a body
trickled a byte at a time, a request never answered.

    python -m ucj.registry.server --records perusahaan.jsonl --token T --port 8765

In code::

    with serve(records, token="t", faults=Faults(throttle_every=3)) as server:
        fetch_companies(server.base_url, "t")
        server.counts  # Counter of statuses served
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import random
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ucj.registry.records import COUNT_FIELDS, order_key, parse_timestamp, read_csv, read_jsonl

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
SHIFT_MODES = ("update", "insert")
BAD_BODIES = ("html", "not_json", "wrong_shape", "truncated")


@dataclass
class Faults:
    """Faults injected by the server. Requests are numbered from 1 across all clients."""

    throttle_every: int = 0  # every K-th request answers 429 (0: never)
    retry_after: int = 1  # seconds sent in the Retry-After header of a 429
    fail_on: dict[int, int] = field(default_factory=dict)  # request number -> 5xx status
    fail_rate: float = 0.0  # probability that a request answers a 5xx (1.0: always)
    fail_statuses: tuple[int, ...] = (500, 502, 503)  # drawn from when fail_rate hits
    seed: int = 0  # seeds the fail_rate draws, so a run is reproducible
    shift_after_page: int | None = None  # change the data right after serving this page
    shift_mode: str = "update"  # update: a read record moves to the end; insert: new one before
    shift_times: int = 1  # how many times the shift happens (then pages stay put)
    bad_body: str | None = None  # every page answer (200) sent with this body fault
    bad_body_on: dict[int, str] = field(default_factory=dict)  # request number -> body fault
    trickle: float = 0.0  # seconds between the bytes of a page answer (0: all at once)
    hang: bool = False  # read each request and never answer (until the server stops)

    def __post_init__(self) -> None:
        if self.shift_mode not in SHIFT_MODES:
            raise ValueError(f"shift_mode must be one of {SHIFT_MODES}")
        if any(b not in BAD_BODIES for b in [self.bad_body or "html", *self.bad_body_on.values()]):
            raise ValueError(f"body faults must be among {BAD_BODIES}")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        statuses = list(self.fail_on.values()) + list(self.fail_statuses)
        if any(not 500 <= s <= 599 for s in statuses):
            raise ValueError("injected failures must be 5xx statuses")


class _BadRequest(ValueError):
    pass


Response = tuple[int, dict[str, str], bytes]
# how the handler sends an answer: all at once, cut off half way, a byte at a time, never
DELIVERIES = ("whole", "truncated", "trickle", "hang")


class RegistryServer:
    """The API over an in-memory record set; thread-safe, one lock around each request."""

    def __init__(
        self,
        records: Iterable[dict] | str | os.PathLike,
        token: str,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
    ) -> None:
        if not token:
            raise ValueError("the server needs a token to check")
        self.token = token
        self.faults = faults or Faults()
        self.quiet = quiet
        self.counts: Counter[int] = Counter()  # status -> requests answered with it
        self.log: list[dict] = []  # one entry per request: n, page, status
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._request_no = 0
        self._shifts_done = 0
        self.stopping = threading.Event()  # releases the handlers of hanging or trickling faults
        self._records: dict[str, dict] = {}
        self.upsert(load_records(records) if isinstance(records, str | os.PathLike) else records)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.registry = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RegistryServer:
        # a short poll interval makes stop() quick (shutdown waits for the next poll)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread:  # shutdown() waits for a serve_forever loop, so only when one runs
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> RegistryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- data ------------------------------------------------------------------------------

    def upsert(self, records: Iterable[dict]) -> None:
        """Add or replace records by nib (how the demo and tests make changes between runs)."""
        with self._lock:
            for record in records:
                self._records[str(record["nib"])] = dict(record)

    @property
    def requests_served(self) -> int:
        return sum(self.counts.values())

    # -- requests --------------------------------------------------------------------------

    def respond(self, target: str, authorization: str | None) -> tuple[Response, str]:
        """The answer and how to deliver it (one of DELIVERIES)."""
        with self._lock:
            self._request_no += 1
            n = self._request_no
            page = _query_value(target, "page")
            if self.faults.hang:
                self.log.append({"n": n, "page": page, "status": None})
                return (0, {}, b""), "hang"
            status, headers, body = self._decide(n, target, authorization)
            delivery = "whole"
            if status == 200:
                (status, headers, body), delivery = self._garble(n, (status, headers, body))
            self.counts[status] += 1
            self.log.append({"n": n, "page": page, "status": status})
        return (status, headers, body), delivery

    def _garble(self, n: int, answer: Response) -> tuple[Response, str]:
        """A page answer as a broken API or network sends it."""
        fault = self.faults.bad_body_on.get(n, self.faults.bad_body)
        status, headers, body = answer
        if fault == "html":
            page = b"<!DOCTYPE html><html><body><h1>Sedang dalam pemeliharaan</h1></body></html>"
            return (status, {"Content-Type": "text/html; charset=utf-8"}, page), "whole"
        if fault == "not_json":
            return (status, headers, body[: len(body) // 2] + b"}}]"), "whole"
        if fault == "wrong_shape":
            shaped = json.dumps({"results": json.loads(body)["data"]}).encode()
            return (status, headers, shaped), "whole"
        if fault == "truncated":
            return answer, "truncated"
        return answer, "trickle" if self.faults.trickle else "whole"

    def _decide(self, n: int, target: str, authorization: str | None) -> Response:
        url = urlsplit(target)
        if url.path.rstrip("/") != "/perusahaan":
            return _json(404, {"error": "not_found"})
        if not self._authorised(authorization):
            return _json(401, {"error": "invalid_token"}, {"WWW-Authenticate": "Bearer"})
        if self.faults.throttle_every and n % self.faults.throttle_every == 0:
            seconds = self.faults.retry_after
            return _json(429, {"error": "throttled"}, {"Retry-After": str(seconds)})
        failure = self._injected_failure(n)
        if failure:
            return failure, {"Content-Type": "text/html"}, b"<html>upstream error</html>"
        try:
            page, per_page, since = _parse_params(url.query)
        except _BadRequest as exc:
            return _json(400, {"error": "bad_request", "detail": str(exc)})
        body = self._page(page, per_page, since)
        self._maybe_shift(page, body["data"])
        return _json(200, body)

    def _authorised(self, authorization: str | None) -> bool:
        expected = f"Bearer {self.token}".encode()
        return hmac.compare_digest((authorization or "").encode(), expected)

    def _injected_failure(self, n: int) -> int | None:
        if n in self.faults.fail_on:
            return self.faults.fail_on[n]
        if self.faults.fail_rate and self._rng.random() < self.faults.fail_rate:
            return self._rng.choice(self.faults.fail_statuses)
        return None

    def _page(self, page: int, per_page: int, since) -> dict:
        rows = sorted(self._records.values(), key=order_key)
        if since is not None:
            rows = [r for r in rows if (ts := parse_timestamp(r.get("updated_at"))) and ts >= since]
        start = (page - 1) * per_page
        data = rows[start : start + per_page]
        next_page = page + 1 if start + per_page < len(rows) else None
        meta = {"page": page, "per_page": per_page, "total": len(rows), "next_page": next_page}
        return {"data": data, "meta": meta}

    # -- the "pages change while being read" quirk -------------------------------------------

    def _maybe_shift(self, page: int, served: list[dict]) -> None:
        faults = self.faults
        if page != faults.shift_after_page or self._shifts_done >= faults.shift_times:
            return
        if not served:
            return
        self._shifts_done += 1
        if faults.shift_mode == "update":
            self._move_to_end(served[0])
        else:
            self._insert_before(served[0])

    def _move_to_end(self, record: dict) -> None:
        """A record already read changes: it moves to the end, so it is read twice and the
        records behind it move up one place (one of them slips onto a page already read)."""
        stamps = (parse_timestamp(r.get("updated_at")) for r in self._records.values())
        latest = max((ts for ts in stamps if ts), default=datetime.now(UTC))
        changed = dict(record)
        changed["updated_at"] = (latest + timedelta(seconds=1)).isoformat(timespec="seconds")
        changed["jumlah_tk_laki"] = _as_int(changed.get("jumlah_tk_laki")) + 1
        changed["jumlah_tk_wlkp"] = _as_int(changed.get("jumlah_tk_wlkp")) + 1
        self._records[str(record["nib"])] = changed

    def _insert_before(self, record: dict) -> None:
        """A new record sorts before one already read: everything behind it moves down one
        place, so the last record of the page just read is served again on the next page."""
        nib = str(record["nib"])
        candidate = int(nib) - 1 if nib.isdigit() else 0
        while str(candidate).zfill(len(nib)) in self._records:
            candidate -= 1
        new = dict(record, nib=str(candidate).zfill(len(nib)), npp=None)
        new["nama_perusahaan"] = f"PT SISIPAN {new['nib']}"
        self._records[new["nib"]] = new


def _as_int(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _parse_params(query: str) -> tuple[int, int, object]:
    params = parse_qs(query, keep_blank_values=True)
    page = _positive_int(params, "page", 1)
    per_page = min(_positive_int(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    since = None
    if params.get("updated_since", [""])[0]:
        since = parse_timestamp(params["updated_since"][0])
        if since is None:
            raise _BadRequest("updated_since must be an ISO-8601 timestamp")
    return page, per_page, since


def _positive_int(params: dict[str, list[str]], name: str, default: int) -> int:
    raw = params.get(name, [str(default)])[0]
    if not raw.isdigit() or int(raw) < 1:
        raise _BadRequest(f"{name} must be a positive integer")
    return int(raw)


def _query_value(target: str, name: str) -> str | None:
    return parse_qs(urlsplit(target).query).get(name, [None])[0]


def _json(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json", **(headers or {})}, body


class _Handler(BaseHTTPRequestHandler):
    server_version = "ucj-registry/1"
    protocol_version = "HTTP/1.1"  # keep-alive, as a requests.Session expects
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms ACK stalls

    def do_GET(self) -> None:
        registry: RegistryServer = self.server.registry  # type: ignore[attr-defined]
        answer, delivery = registry.respond(self.path, self.headers.get("Authorization"))
        if delivery == "hang":  # the request was read; no answer until the server stops
            registry.stopping.wait()
            self.close_connection = True
            return
        status, headers, body = answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))  # the whole length, always
        self.end_headers()
        if delivery == "truncated":  # half the promised body, then the connection closes
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        elif delivery == "trickle":
            self._trickle(body, registry.faults.trickle, registry.stopping)
        else:
            self.wfile.write(body)

    def _trickle(self, body: bytes, pause: float, stopping: threading.Event) -> None:
        """One byte every ``pause`` seconds: each socket read gets something, so a read
        timeout never fires."""
        self.wfile.flush()
        for i in range(len(body)):
            if stopping.wait(pause):
                self.close_connection = True
                return
            try:
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
            except OSError:  # the client gave up
                self.close_connection = True
                return

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.registry.quiet:  # type: ignore[attr-defined]
            super().log_message(format, *args)


# -- loading and running ----------------------------------------------------------------------


def load_records(path: str | os.PathLike) -> list[dict]:
    """Records from JSON lines (.jsonl/.ndjson), a JSON array (.json) or a CSV snapshot."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix == ".csv":
        return [_api_shape(r) for r in read_csv(source)]
    if suffix == ".json":
        payload = json.loads(source.read_text(encoding="utf-8"))
        return list(payload["data"] if isinstance(payload, dict) else payload)
    return read_jsonl(source)


def _api_shape(row: dict) -> dict:
    """CSV text to what the API sends: worker counts as numbers, the rest as they are."""
    shaped = dict(row)
    for name in COUNT_FIELDS:
        value = shaped.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            shaped[name] = int(value)
    return shaped


@contextmanager
def serve(
    records: Iterable[dict] | str | os.PathLike,
    token: str,
    faults: Faults | None = None,
    **options: object,
) -> Iterator[RegistryServer]:
    """Run the server in a thread for the block; yields it (``.base_url``, ``.counts``)."""
    server = RegistryServer(records, token, faults, **options)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _parse_fail_on(items: list[str]) -> dict[int, int]:
    fail_on = {}
    for item in items:
        number, _, status = item.partition(":")
        fail_on[int(number)] = int(status or 503)
    return fail_on


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", required=True, help=".jsonl, .json or .csv")
    parser.add_argument(
        "--token",
        default=os.environ.get("UCJ_REGISTRY_TOKEN"),
        help="bearer token to accept (default: $UCJ_REGISTRY_TOKEN)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--throttle-every", type=int, default=0)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--fail-on", action="append", default=[], metavar="N:STATUS")
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shift-after-page", type=int)
    parser.add_argument("--shift-mode", choices=SHIFT_MODES, default="update")
    parser.add_argument("--bad-body", choices=BAD_BODIES, help="every page answer broken so")
    parser.add_argument("--trickle", type=float, default=0.0, metavar="SECONDS",
                        help="send page answers one byte every SECONDS")
    parser.add_argument("--hang", action="store_true", help="never answer")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token or UCJ_REGISTRY_TOKEN is required")
    faults = Faults(
        throttle_every=args.throttle_every,
        retry_after=args.retry_after,
        fail_on=_parse_fail_on(args.fail_on),
        fail_rate=args.fail_rate,
        seed=args.seed,
        shift_after_page=args.shift_after_page,
        shift_mode=args.shift_mode,
        bad_body=args.bad_body,
        trickle=args.trickle,
        hang=args.hang,
    )
    server = RegistryServer(
        args.records, args.token, faults, args.host, args.port, quiet=not args.verbose
    )
    print(f"registry API on {server.base_url}/perusahaan", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
