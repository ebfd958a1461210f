"""extract_registry end to end against the real local API: watermark, snapshot fallback,
and the order "write the file, then move the watermark"."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from registry_helpers import START, TOKEN, company, make_records, write_snapshot
from ucj.config import MissingSecret
from ucj.io.readers import EncodingError
from ucj.registry.client import (
    STATE_FILE,
    RegistryAuthError,
    RegistryStateError,
    RegistryUnavailable,
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


def extract(server, dirs, sleeps, **options):
    return extract_registry(
        server.base_url, TOKEN, dirs.state, dirs.landing, dirs.out, sleep=sleeps, **options
    )


def test_watermark_advances_and_second_run_takes_only_changes(dirs, sleeps):
    records = make_records(7)
    with serve(records, token=TOKEN) as server:
        first = extract(server, dirs, sleeps, per_page=3)
        assert first.source == "api" and first.records == 7 and first.pages == 3
        assert read_jsonl(first.path) == records
        assert first.watermark_before is None
        assert first.watermark_after == records[-1]["updated_at"]

        # two companies change, one arrives in the very second of the watermark
        # (updated_since is inclusive, so it is not lost), the rest stay as they were
        later = records[-1]["updated_at"].replace("08:06:00", "09:30:00")
        changed = [company(1, later, jumlah_tk_laki=40), company(3, later, status_usaha="TUTUP")]
        same_second = company(99, records[-1]["updated_at"])
        server.upsert([*changed, same_second])
        second = extract(server, dirs, sleeps, per_page=3)

    assert second.watermark_before == first.watermark_after
    assert {r["nib"] for r in read_jsonl(second.path)} == {
        r["nib"] for r in [*changed, same_second]
    }
    assert second.already_extracted == 1  # records[-1], served again at the watermark
    assert second.watermark_after == later
    assert Path(first.path) != Path(second.path)
    assert read_watermark(dirs.state).nibs == {r["nib"] for r in changed}


def test_nothing_new_keeps_the_watermark(dirs, sleeps):
    with serve(make_records(3), token=TOKEN) as server:
        first = extract(server, dirs, sleeps)
        second = extract(server, dirs, sleeps)
    assert second.records == 0 and second.already_extracted == 1
    assert second.watermark_after == first.watermark_after
    assert read_jsonl(second.path) == []


def test_api_down_falls_back_to_the_newest_snapshot(dirs, sleeps):
    old = make_records(2)
    new = [*make_records(4), company(5, kbli="1111", npwp="01.234.567.8-901.000")]
    write_snapshot(dirs.landing / "registry" / "perusahaan_20250101.csv", old)
    newest = write_snapshot(dirs.landing / "registry" / "perusahaan_20250301.csv", new)
    (dirs.landing / "registry" / "perusahaan_notes.csv").write_text("x\n")
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        result = extract(server, dirs, sleeps, max_retries=2)
    assert result.source == "snapshot"
    assert result.snapshot == str(newest)
    assert "HTTP 5" in result.fallback_reason
    assert result.requests == 3 == server.requests_served and result.retries == 2
    rows = read_jsonl(result.path)
    assert len(rows) == 5
    assert rows[0]["npp"] is None and rows[1]["npp"] == "10000001"  # blank cell -> null
    assert rows[0]["jumlah_tk_laki"] == "3"  # text, as read
    assert rows[-1]["kbli"] == "1111"  # the lost zero is validation's to report
    assert read_watermark(dirs.state).updated_at == new[-1]["updated_at"]


def test_snapshot_fallback_respects_the_watermark(dirs, sleeps):
    records = make_records(6)
    with serve(records[:4], token=TOKEN) as server:
        extract(server, dirs, sleeps)
    write_snapshot(dirs.landing / "registry" / "perusahaan_20250301.csv", records)
    with serve(records, token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        result = extract(server, dirs, sleeps, max_retries=0)
    assert result.source == "snapshot"
    assert [r["nib"] for r in read_jsonl(result.path)] == [r["nib"] for r in records[4:]]


def test_api_down_and_no_snapshot_raises(dirs, sleeps):
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_rate=1.0)) as server:
        with pytest.raises(RegistryUnavailable, match="no snapshot"):
            extract(server, dirs, sleeps, max_retries=1)
    assert not (dirs.state / STATE_FILE).exists()


def test_bad_token_does_not_fall_back(dirs, sleeps):
    write_snapshot(dirs.landing / "registry" / "perusahaan_20250301.csv", make_records(2))
    with serve(make_records(3), token=TOKEN) as server:
        with pytest.raises(RegistryAuthError):
            extract_registry(server.base_url, "wrong", dirs.state, dirs.landing, dirs.out)
    assert server.counts == {401: 1}
    assert not (dirs.state / STATE_FILE).exists()


def test_failed_write_leaves_the_watermark(dirs, sleeps):
    records = make_records(4)
    with serve(records, token=TOKEN) as server:
        first = extract(server, dirs, sleeps)
        later = records[-1]["updated_at"].replace("08:03:00", "10:00:00")
        server.upsert([company(0, later)])
        blocked = dirs.out.parent / "not_a_dir"
        blocked.write_text("a file where the output folder should be")
        with pytest.raises(OSError):
            extract_registry(server.base_url, TOKEN, dirs.state, dirs.landing, blocked)
        assert read_watermark(dirs.state).updated_at == first.watermark_after
        retry = extract(server, dirs, sleeps)
    assert [r["nib"] for r in read_jsonl(retry.path)] == [records[0]["nib"]]
    assert retry.watermark_after == later


def test_unreadable_state_is_an_error(dirs, sleeps):
    dirs.state.mkdir(parents=True)
    (dirs.state / STATE_FILE).write_text("{not json")
    with pytest.raises(RegistryStateError):
        read_watermark(dirs.state)


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
