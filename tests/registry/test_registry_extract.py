"""extract_registry end to end against the real local API: the watermark (moved only by a
commit), the snapshot fallback (only for an unreachable API, only a recent snapshot, always
told to the engineers) and what fails instead of falling back."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from registry_helpers import START, TOKEN, company, make_records, snapshot_name, write_snapshot
from ucj.config import MissingSecret
from ucj.io.readers import EncodingError
from ucj.registry.client import (
    STATE_FILE,
    RegistryAuthError,
    RegistryBadResponse,
    RegistryStateError,
    RegistryUnavailable,
    SnapshotUnusable,
    commit_extract,
    credentials_from_connection,
    extract_registry,
    load_snapshot_csv,
    newest_snapshot,
    read_watermark,
)
from ucj.registry.records import SnapshotFormatError, read_jsonl
from ucj.registry.server import Faults, serve


@pytest.fixture
def dirs(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(
        state=tmp_path / "state", landing=tmp_path / "landing", out=tmp_path / "raw"
    )


@pytest.fixture
def engineers(webhook, monkeypatch):
    """The engineers' webhook, a real server on loopback, as the connection names it."""
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                       json.dumps({"conn_type": "http", "host": webhook.url}))
    monkeypatch.delenv("AIRFLOW_CONN_UCJ_SMTP", raising=False)
    return webhook


def extract(server, dirs, sleeps, **options):
    return extract_registry(
        server.base_url, TOKEN, dirs.state, dirs.landing, dirs.out, sleep=sleeps, **options
    )


def commit_all(result):
    """The commit of an extract whose every record passed validation."""
    return commit_extract(result.path, {r["nib"] for r in read_jsonl(result.path)})


def test_watermark_moves_at_commit_and_second_run_takes_only_changes(dirs, sleeps):
    records = make_records(7)
    with serve(records, token=TOKEN) as server:
        first = extract(server, dirs, sleeps, per_page=3)
        assert first.source == "api" and first.records == 7 and first.pages == 3
        assert read_jsonl(first.path) == records
        assert first.watermark_before is None and first.updated_since is None
        assert not (dirs.state / STATE_FILE).exists()  # extracting moves nothing
        assert commit_all(first).updated_at == records[-1]["updated_at"]

        # two companies change, one arrives in the very second of the watermark
        # (updated_since is inclusive, so it is not lost), the rest stay as they were
        later = records[-1]["updated_at"].replace("08:06:00", "09:30:00")
        changed = [company(1, later, jumlah_tk_laki=40, jumlah_tk_wlkp=42),
                   company(3, later, status_usaha="TUTUP")]
        same_second = company(99, records[-1]["updated_at"])
        server.upsert([*changed, same_second])
        second = extract(server, dirs, sleeps, per_page=3)
        commit_all(second)

    assert second.watermark_before == second.updated_since == records[-1]["updated_at"]
    assert {r["nib"] for r in read_jsonl(second.path)} == {
        r["nib"] for r in [*changed, same_second]
    }
    assert second.already_extracted == 1  # records[-1], served again at the watermark
    assert Path(first.path) != Path(second.path)
    mark = read_watermark(dirs.state)
    assert mark.updated_at == later and mark.nibs == {r["nib"] for r in changed}


def test_nothing_new_keeps_the_watermark(dirs, sleeps):
    with serve(make_records(3), token=TOKEN) as server:
        first = commit_all(extract(server, dirs, sleeps))
        second = extract(server, dirs, sleeps)
    assert second.records == 0 and second.already_extracted == 1
    assert commit_all(second) == first == read_watermark(dirs.state)
    assert read_jsonl(second.path) == []


def test_a_run_failing_between_extract_and_validate_moves_nothing(dirs, sleeps):
    records = make_records(4)
    with serve(records, token=TOKEN) as server:
        commit_all(extract(server, dirs, sleeps))
        before = (dirs.state / STATE_FILE).read_bytes()
        later = records[-1]["updated_at"].replace("08:03:00", "10:00:00")
        server.upsert([company(0, later)])
        lost = extract(server, dirs, sleeps)  # its validate task never runs
        assert (dirs.state / STATE_FILE).read_bytes() == before
        retry = extract(server, dirs, sleeps)
    assert read_jsonl(retry.path) == read_jsonl(lost.path) == [company(0, later)]
    assert commit_all(retry).updated_at == later
    assert commit_all(retry) == read_watermark(dirs.state)  # a retried commit: no change


def test_api_down_falls_back_to_a_recent_snapshot_and_tells_the_engineers(
        dirs, sleeps, engineers):
    old = make_records(2)
    new = [*make_records(4), company(5, kbli="1111", npwp="01.234.567.8-901.000")]
    write_snapshot(dirs.landing / "registry" / snapshot_name(40), old)
    newest = write_snapshot(dirs.landing / "registry" / snapshot_name(3), new)
    (dirs.landing / "registry" / "perusahaan_notes.csv").write_text("x\n")
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        result = extract(server, dirs, sleeps, max_retries=2)
    assert result.source == "snapshot"
    assert result.snapshot == str(newest) and result.snapshot_age_days == 3
    assert "HTTP 5" in result.fallback_reason
    assert result.requests == 3 == server.requests_served and result.retries == 2
    rows = read_jsonl(result.path)
    assert len(rows) == 5
    assert rows[0]["npp"] is None and rows[1]["npp"] == "10000001"  # blank cell -> null
    assert rows[0]["jumlah_tk_laki"] == "3"  # text, as read
    assert rows[-1]["kbli"] == "1111"  # the lost zero is validation's to report
    [notice] = engineers.delivered()
    assert notice["type"] == "pipeline_notice"
    assert notice["kind"] == "registry_snapshot_fallback"
    assert newest.name in notice["subject"] and notice["snapshot_age_days"] == 3
    assert "HTTP 5" in notice["reason"] and notice["records"] == 5
    assert commit_all(result).updated_at == new[-1]["updated_at"]


def test_a_snapshot_too_old_is_not_used(dirs, sleeps, engineers):
    stale = write_snapshot(dirs.landing / "registry" / snapshot_name(46), make_records(3))
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        with pytest.raises(SnapshotUnusable, match=rf"{stale.name} is 46 days old.*45 days"):
            extract(server, dirs, sleeps, max_retries=1)
        # the limit is configurable: a district that accepts older snapshots says so
        result = extract(server, dirs, sleeps, max_retries=0, snapshot_max_age_days=60)
    assert result.snapshot == str(stale) and result.records == 3
    assert len(engineers.delivered()) == 1  # the fallback taken; the refusal is the task's


def test_snapshot_fallback_respects_the_watermark(dirs, sleeps, engineers):
    records = make_records(6)
    with serve(records[:4], token=TOKEN) as server:
        commit_all(extract(server, dirs, sleeps))
    write_snapshot(dirs.landing / "registry" / snapshot_name(0), records)
    with serve(records, token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        result = extract(server, dirs, sleeps, max_retries=0)
    assert result.source == "snapshot"
    assert [r["nib"] for r in read_jsonl(result.path)] == [r["nib"] for r in records[4:]]


def test_api_down_and_no_snapshot_raises(dirs, sleeps):
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        with pytest.raises(RegistryUnavailable, match="no snapshot"):
            extract(server, dirs, sleeps, max_retries=1)
    assert not (dirs.state / STATE_FILE).exists() and not dirs.out.exists()


def test_persistent_throttling_counts_as_unreachable(dirs, sleeps, engineers):
    write_snapshot(dirs.landing / "registry" / snapshot_name(1), make_records(2))
    with serve(make_records(3), token=TOKEN, faults=Faults(throttle_every=1)) as server:
        result = extract(server, dirs, sleeps, max_retries=2)
    assert result.source == "snapshot" and "HTTP 429" in result.fallback_reason
    assert server.counts == {429: 3} and len(engineers.delivered()) == 1


@pytest.mark.parametrize(("fault", "named"), [
    ("html", r"HTTP 200, Content-Type text/html.*b'<!DOCTYPE html>"),
    ("not_json", r"body is not JSON: HTTP 200, Content-Type application/json.*b'\{\"data\""),
    ("wrong_shape", r"no list of records under 'data'.*b'\{\"results\""),
    ("truncated", r"body cut off \(ProtocolError: .*IncompleteRead.*HTTP 200.*b'\{\"data\""),
])
def test_an_api_answering_what_cannot_be_read_fails_without_fallback(
        dirs, sleeps, engineers, fault, named):
    write_snapshot(dirs.landing / "registry" / snapshot_name(0), make_records(3))
    with serve(make_records(3), token=TOKEN, faults=Faults(bad_body=fault)) as server:
        with pytest.raises(RegistryBadResponse, match=named) as err:
            extract(server, dirs, sleeps, max_retries=1)
    assert "page 1 answered but cannot be read (after 2 attempts)" in str(err.value)
    assert server.counts == {200: 2}
    assert not dirs.out.exists() and not (dirs.state / STATE_FILE).exists()
    assert engineers.delivered() == []  # nothing degraded: the task fails and says why


def test_bad_token_does_not_fall_back(dirs, sleeps):
    write_snapshot(dirs.landing / "registry" / snapshot_name(0), make_records(2))
    with serve(make_records(3), token=TOKEN) as server:
        with pytest.raises(RegistryAuthError):
            extract_registry(server.base_url, "wrong", dirs.state, dirs.landing, dirs.out)
    assert server.counts == {401: 1}
    assert not dirs.out.exists()


def test_unreadable_state_is_an_error(dirs, sleeps):
    dirs.state.mkdir(parents=True)
    (dirs.state / STATE_FILE).write_text("{not json")
    with pytest.raises(RegistryStateError):
        read_watermark(dirs.state)


def test_a_state_file_of_the_previous_version_is_read(dirs):
    dirs.state.mkdir(parents=True)
    (dirs.state / STATE_FILE).write_text(json.dumps(
        {"updated_at": "2025-03-01T08:06:00+07:00", "nibs_at_watermark": ["9120000000006"]}))
    mark = read_watermark(dirs.state)
    assert mark.request_since() == "2025-03-01T08:06:00+07:00" and mark.held == {}


def test_load_snapshot_keeps_text_and_handles_bom(tmp_path: Path):
    path = write_snapshot(tmp_path / "perusahaan_20250301.csv", [company(0, kbli="01111")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b",,,,,,,,,,,,\n")
    rows = load_snapshot_csv(path)
    assert len(rows) == 1
    assert rows[0]["kbli"] == "01111" and rows[0]["nib"] == "9120000000000"
    assert rows[0]["updated_at"] == START.isoformat()


def test_snapshot_without_contract_columns_is_rejected(tmp_path: Path):
    path = tmp_path / "perusahaan_20250301.csv"
    path.write_text("nib,nama_perusahaan\n9120000000000,PT A\n", encoding="utf-8")
    with pytest.raises(SnapshotFormatError, match="missing column"):
        load_snapshot_csv(path)


def test_newest_snapshot_by_date_in_name(tmp_path: Path):
    assert newest_snapshot(tmp_path) is None
    for day in ("20250301", "20241231", "20250215"):
        write_snapshot(tmp_path / "registry" / f"perusahaan_{day}.csv", [])
    assert newest_snapshot(tmp_path).endswith("perusahaan_20250301.csv")


@pytest.mark.parametrize(
    ("host", "schema", "port", "expected"),
    [
        ("http://127.0.0.1:8765/", None, None, "http://127.0.0.1:8765"),
        ("registry.example.go.id", None, None, "https://registry.example.go.id"),
        ("127.0.0.1", "http", 8765, "http://127.0.0.1:8765"),
        ("https://api.example.id/v1", "", 8443, "https://api.example.id:8443/v1"),
    ],
)
def test_credentials_from_connection(host, schema, port, expected):
    conn = SimpleNamespace(host=host, schema=schema, port=port, password="s3cret")
    creds = credentials_from_connection(conn)
    assert (creds.base_url, creds.token) == (expected, "s3cret")
    assert "s3cret" not in repr(creds)


@pytest.mark.parametrize("missing", ["host", "password"])
def test_credentials_missing_is_a_clear_error(missing):
    conn = SimpleNamespace(host="http://h", schema=None, port=None, password="t")
    setattr(conn, missing, None)
    with pytest.raises(MissingSecret, match=missing):
        credentials_from_connection(conn)


def test_result_is_plain_data_for_xcom(dirs, sleeps):
    with serve(make_records(2), token=TOKEN) as server:
        result = extract(server, dirs, sleeps)
    assert json.loads(json.dumps(result.as_dict()))["source"] == "api"


def test_a_snapshot_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path):
    path = write_snapshot(tmp_path / "perusahaan_20250301.csv",
                          [company(0, nama_perusahaan="PT SUKAMAJU")])
    path.write_bytes(path.read_bytes().replace(b"SUKAMAJU", b"SUKAM\xc4JU"))  # Windows-1252
    with pytest.raises(EncodingError, match=r"perusahaan_20250301\.csv.*UTF-8.*0xc4"):
        load_snapshot_csv(path)
