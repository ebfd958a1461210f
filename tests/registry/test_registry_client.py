"""fetch_companies against the real local API on loopback: pagination, retries, auth and
pages that shift while being read. Waits go to a recorder instead of time.sleep."""

from __future__ import annotations

import random
import socket
import time

import pytest
import requests
from registry_helpers import TOKEN, make_records
from ucj.refusal import Refused
from ucj.registry.client import (
    FetchStats,
    RegistryAuthError,
    RegistryBadResponse,
    RegistryDeadlineExceeded,
    RegistryIncomplete,
    RegistryUnavailable,
    fetch_companies,
    retry_after_seconds,
)
from ucj.registry.server import Faults, serve


def fetch(server, sleeps, **options):
    stats = options.pop("stats", FetchStats())
    records = fetch_companies(server.base_url, TOKEN, sleep=sleeps, stats=stats, **options)
    return records, stats


def test_follows_pages_to_the_end(sleeps):
    records = make_records(23)
    with serve(records, token=TOKEN) as server:
        got, stats = fetch(server, sleeps, per_page=5)
    assert got == records
    assert (stats.pages, stats.requests, stats.total, stats.passes) == (5, 5, 23, 1)
    assert server.counts == {200: 5}
    assert [e["page"] for e in server.log] == ["1", "2", "3", "4", "5"]
    assert sleeps.calls == []


def test_429_waits_the_retry_after(sleeps):
    faults = Faults(throttle_every=2, retry_after=3)
    with serve(make_records(12), token=TOKEN, faults=faults) as server:
        got, stats = fetch(server, sleeps, per_page=4)
    assert len(got) == 12
    assert server.counts[429] >= 2  # the retries really went over the wire
    assert stats.throttled == stats.retries == server.counts[429]
    assert server.counts[200] == stats.pages == 3
    assert sleeps.calls == [3.0] * server.counts[429]


def test_retry_after_is_capped_and_zero_is_honoured(sleeps):
    faults = Faults(throttle_every=2, retry_after=600)
    with serve(make_records(4), token=TOKEN, faults=faults) as server:
        fetch(server, sleeps, per_page=2, max_retry_after=5)
    assert sleeps.calls == [5.0]
    zero = Faults(throttle_every=2, retry_after=0)
    with serve(make_records(4), token=TOKEN, faults=zero) as server:
        fetch(server, sleeps, per_page=2)
    assert sleeps.calls == [5.0, 0.0]


def test_retry_after_forms():
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_5xx_is_retried_with_growing_backoff(sleeps):
    faults = Faults(fail_on={1: 503, 2: 502, 3: 500})
    with serve(make_records(9), token=TOKEN, faults=faults) as server:
        got, stats = fetch(server, sleeps, per_page=5, backoff=1.0, rng=random.Random(7))
    assert len(got) == 9
    assert server.counts == {503: 1, 502: 1, 500: 1, 200: 2}
    assert stats.retries == 3 and stats.requests == 5
    # exponential with equal jitter: retry k waits within [2**k / 2, 2**k]
    assert [2**k / 2 <= s <= 2**k for k, s in enumerate(sleeps.calls)] == [True] * 3


def test_jitter_is_reproducible_with_a_seeded_rng(sleeps):
    waits = []
    for _ in range(2):
        recorder = type(sleeps)()
        with serve(make_records(2), token=TOKEN, faults=Faults(fail_on={1: 500, 2: 500})) as s:
            fetch(s, recorder, rng=random.Random(42))
        waits.append(recorder.calls)
    assert waits[0] == waits[1] and len(waits[0]) == 2


def test_5xx_forever_raises_unavailable(sleeps):
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        stats = FetchStats()
        with pytest.raises(RegistryUnavailable, match="after 4 attempts"):
            fetch(server, sleeps, max_retries=3, stats=stats)
    assert server.requests_served == 4 == stats.requests
    assert len(sleeps.calls) == 3


def test_connection_refused_is_retried_then_unavailable(sleeps):
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RegistryUnavailable, match="ConnectionError"):
        fetch_companies(f"http://127.0.0.1:{port}", TOKEN, max_retries=2, sleep=sleeps)
    assert len(sleeps.calls) == 2


def test_bad_token_fails_at_once(sleeps):
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_on={2: 503})) as server:
        with pytest.raises(RegistryAuthError, match="HTTP 401"):
            fetch_companies(server.base_url, "wrong", sleep=sleeps)
    assert server.counts == {401: 1}
    assert sleeps.calls == []


def test_an_auth_failure_is_a_refusal():
    assert issubclass(RegistryAuthError, Refused)  # the DAG's @final: no Airflow retries
    assert not issubclass(RegistryUnavailable, Refused)  # an outage may pass: retried


def test_missing_token_never_calls():
    with pytest.raises(RegistryAuthError):
        fetch_companies("http://127.0.0.1:9", "")


def test_updated_since_is_passed_on_and_inclusive(sleeps):
    records = make_records(6)
    with serve(records, token=TOKEN) as server:
        got, _ = fetch(server, sleeps, updated_since=records[4]["updated_at"], per_page=1)
    assert got == records[4:]


def test_record_moved_while_reading_is_kept_once_in_its_latest_version(sleeps):
    # page 1 is read, then its first record changes and moves to the end: it is served
    # twice, and the record behind it slips back onto page 1 (missed), so a second pass runs
    records = make_records(10)
    faults = Faults(shift_after_page=1, shift_mode="update")
    with serve(records, token=TOKEN, faults=faults) as server:
        got, stats = fetch(server, sleeps, per_page=4)
    assert sorted(r["nib"] for r in got) == sorted(r["nib"] for r in records)
    moved = next(r for r in got if r["nib"] == records[0]["nib"])
    assert moved["jumlah_tk_laki"] == records[0]["jumlah_tk_laki"] + 1
    assert stats.duplicates_dropped == 1
    assert stats.passes == 2
    assert server.counts == {200: stats.pages}


def test_record_inserted_while_reading_is_not_missed(sleeps):
    faults = Faults(shift_after_page=1, shift_mode="insert")
    with serve(make_records(10), token=TOKEN, faults=faults) as server:
        got, stats = fetch(server, sleeps, per_page=4)
    assert len(got) == len({r["nib"] for r in got}) == 11 == stats.total
    assert stats.duplicates_dropped == 1


def test_still_short_after_the_passes_raises_incomplete(sleeps):
    faults = Faults(shift_after_page=1, shift_mode="update")
    with serve(make_records(10), token=TOKEN, faults=faults) as server:
        with pytest.raises(RegistryIncomplete, match="9 distinct records"):
            fetch(server, sleeps, per_page=4, max_passes=1)


def test_a_given_session_is_used_and_left_open(sleeps):
    with requests.Session() as session, serve(make_records(3), token=TOKEN) as server:
        fetch(server, sleeps, session=session, per_page=1)
        fetch(server, sleeps, session=session, per_page=1)  # still usable
    assert server.counts == {200: 6}


# -- answers that cannot be read, and the overall deadline -----------------------------------


def test_a_body_cut_off_once_is_read_again(sleeps):
    faults = Faults(bad_body_on={1: "truncated"})
    with serve(make_records(3), token=TOKEN, faults=faults) as server:
        got, stats = fetch(server, sleeps)
    assert len(got) == 3 and stats.requests == 2 and stats.retries == 1


def test_an_unreadable_answer_then_an_outage_is_still_a_broken_api(sleeps):
    # once the API has answered what cannot be read, later 5xx do not make it "unreachable"
    faults = Faults(bad_body_on={1: "html"}, fail_on={2: 503, 3: 502})
    with serve(make_records(3), token=TOKEN, faults=faults) as server:
        with pytest.raises(RegistryBadResponse, match="text/html"):
            fetch(server, sleeps, max_retries=2)


def test_a_trickling_body_fails_at_the_deadline(sleeps):
    # a byte every 0.2 s: each socket read gets something, so the 30 s read timeout never
    # fires; the page (~1.7 kB) would take six minutes
    with serve(make_records(3), token=TOKEN, faults=Faults(trickle=0.2)) as server:
        started = time.monotonic()
        with pytest.raises(RegistryDeadlineExceeded,
                           match=r"still arriving when the extraction's deadline of 1.5 s "
                                 r"passed: HTTP 200, Content-Type application/json.*b'\{"):
            fetch(server, sleeps, deadline=1.5, timeout=30)
        elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 4  # not the six minutes of the whole page
    assert not issubclass(RegistryDeadlineExceeded, RegistryUnavailable)  # no fallback


def test_a_server_that_never_answers_is_unreachable_at_the_deadline(sleeps):
    with serve(make_records(3), token=TOKEN, faults=Faults(hang=True)) as server:
        started = time.monotonic()
        with pytest.raises(RegistryUnavailable, match="deadline of 1 s") as err:
            fetch(server, sleeps, deadline=1.0, timeout=30)
        elapsed = time.monotonic() - started
    assert type(err.value) is RegistryUnavailable
    assert 1.0 <= elapsed < 3.5
    assert [e["status"] for e in server.log] == [None]  # the request arrived, never answered


def test_no_retry_waits_past_the_deadline(sleeps):
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        with pytest.raises(RegistryUnavailable, match="would pass the extraction's deadline"):
            fetch(server, sleeps, backoff=20.0, deadline=5.0)
    assert server.requests_served == 1 and sleeps.calls == []
    throttled = Faults(throttle_every=1, retry_after=600)
    with serve(make_records(3), token=TOKEN, faults=throttled) as server:
        with pytest.raises(RegistryUnavailable, match="HTTP 429.*in 60.0 s would pass"):
            fetch(server, sleeps, deadline=30.0)
    assert sleeps.calls == []


def test_the_deadline_counts_across_pages():
    # every other request is throttled for 1 s, really waited: each page alone is quick,
    # together they pass the deadline
    faults = Faults(throttle_every=2, retry_after=1)
    with serve(make_records(10), token=TOKEN, faults=faults) as server:
        started = time.monotonic()
        with pytest.raises(RegistryUnavailable,
                           match=r"page [3-9]: HTTP 429 \(giving up: the next try"):
            fetch_companies(server.base_url, TOKEN, per_page=1, deadline=2.5)
    assert time.monotonic() - started < 2.5
    assert server.counts[200] >= 2


def test_the_deadline_is_a_positive_number():
    with pytest.raises(ValueError, match="positive"):
        fetch_companies("http://127.0.0.1:9", TOKEN, deadline=0)
