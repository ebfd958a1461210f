"""The local registry API against the contract, over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from registry_helpers import TOKEN, company, make_records, write_snapshot
from ucj.registry.server import Faults, RegistryServer, load_records, serve

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def get(server, auth=AUTH, **params):
    return requests.get(f"{server.base_url}/perusahaan", params=params, headers=auth, timeout=5)


def test_pages_follow_the_contract():
    with serve(make_records(12), token=TOKEN) as server:
        first = get(server, page=1, per_page=5)
        last = get(server, page=3, per_page=5)
        beyond = get(server, page=4, per_page=5)
    assert server.base_url.startswith("http://127.0.0.1:")
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "application/json"
    assert first.json()["meta"] == {"page": 1, "per_page": 5, "total": 12, "next_page": 2}
    assert len(first.json()["data"]) == 5
    assert last.json()["meta"]["next_page"] is None
    assert len(last.json()["data"]) == 2
    assert beyond.json() == {
        "data": [],
        "meta": {"page": 4, "per_page": 5, "total": 12, "next_page": None},
    }
    assert server.counts == {200: 3}


def test_order_is_updated_at_then_nib():
    same = "2025-03-01T08:00:00+07:00"
    records = [company(3, same), company(1, "2025-03-01T09:00:00+07:00"), company(2, same)]
    with serve(records, token=TOKEN) as server:
        data = get(server, page=1, per_page=10).json()["data"]
    assert [r["nib"][-1] for r in data] == ["2", "3", "1"]


def test_updated_since_is_inclusive_whatever_the_offset_form():
    records = make_records(5)  # updated 08:00, 08:01, ... +07:00
    with serve(records, token=TOKEN) as server:
        wib = get(server, page=1, per_page=10, updated_since="2025-03-01T08:02:00+07:00")
        utc = get(server, page=1, per_page=10, updated_since="2025-03-01T01:02:00Z")
    assert [r["nib"] for r in wib.json()["data"]] == [r["nib"] for r in records[2:]]
    assert wib.json()["meta"]["total"] == 3
    assert utc.json() == wib.json()


@pytest.mark.parametrize("auth", [{"Authorization": "Bearer wrong"}, {}])
def test_bad_or_missing_token_is_401_json(auth):
    with serve(make_records(3), token=TOKEN) as server:
        response = get(server, auth=auth, page=1, per_page=5)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token"}
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert server.counts == {401: 1}


def test_throttles_every_kth_request_with_retry_after():
    faults = Faults(throttle_every=2, retry_after=7)
    with serve(make_records(3), token=TOKEN, faults=faults) as server:
        statuses = [get(server, page=1, per_page=5) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 200, 429]
    assert statuses[1].headers["Retry-After"] == "7"
    assert server.counts == {200: 2, 429: 2}


def test_failures_on_a_schedule_and_by_seeded_chance():
    with serve(make_records(3), token=TOKEN, faults=Faults(fail_on={1: 503, 3: 502})) as server:
        statuses = [get(server, page=1).status_code for _ in range(4)]
    assert statuses == [503, 200, 502, 200]

    def draw(seed):
        faults = Faults(fail_rate=0.5, seed=seed)
        with serve(make_records(3), token=TOKEN, faults=faults) as server:
            return [get(server, page=1).status_code for _ in range(20)]

    first = draw(seed=4)
    assert first == draw(seed=4)  # reproducible
    assert {s for s in first if s != 200} <= {500, 502, 503}
    assert 0 < first.count(200) < 20


def test_bad_parameters_and_unknown_paths():
    with serve(make_records(3), token=TOKEN) as server:
        assert get(server, page=0).status_code == 400
        assert get(server, per_page="x").status_code == 400
        assert get(server, updated_since="yesterday").status_code == 400
        other = requests.get(f"{server.base_url}/other", headers=AUTH, timeout=5)
        assert other.status_code == 404
        # per_page above the server's limit is clamped, as real APIs do
        assert get(server, per_page=5000).json()["meta"]["per_page"] == 1000


def test_shift_update_moves_a_read_record_to_the_end():
    faults = Faults(shift_after_page=1, shift_mode="update")
    with serve(make_records(6), token=TOKEN, faults=faults) as server:
        page1 = get(server, page=1, per_page=3).json()["data"]
        page2 = get(server, page=2, per_page=3).json()["data"]
    moved = page1[0]["nib"]
    assert page2[-1]["nib"] == moved
    assert page2[-1]["updated_at"] > page1[0]["updated_at"]
    assert page2[-1]["jumlah_tk_laki"] == page1[0]["jumlah_tk_laki"] + 1


def test_shift_insert_serves_the_last_record_of_a_page_again():
    faults = Faults(shift_after_page=1, shift_mode="insert")
    with serve(make_records(6), token=TOKEN, faults=faults) as server:
        page1 = get(server, page=1, per_page=3).json()
        page2 = get(server, page=2, per_page=3).json()
    assert page2["data"][0]["nib"] == page1["data"][-1]["nib"]
    assert page2["meta"]["total"] == 7


def test_loads_jsonl_and_csv(tmp_path: Path):
    records = make_records(3)
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    csv_path = write_snapshot(tmp_path / "r.csv", records)
    assert load_records(jsonl) == records
    assert load_records(csv_path) == records  # counts become numbers, blank npp None


def test_records_from_a_file_and_upsert(tmp_path: Path):
    path = write_snapshot(tmp_path / "r.csv", make_records(2))
    with RegistryServer(path, TOKEN) as server:
        server.upsert([company(0, nama_perusahaan="PT BARU")])
        data = get(server, page=1).json()["data"]
    assert [r["nama_perusahaan"] for r in data] == ["PT BARU", "PT CONTOH 1"]


def test_cli_serves_on_loopback(tmp_path: Path):
    path = write_snapshot(tmp_path / "r.csv", make_records(2))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "include")}
    cmd = [sys.executable, "-m", "ucj.registry.server", "--records", str(path), "--token", TOKEN]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = line.split(" on ", 1)[1].strip()
        response = requests.get(url, params={"page": 1}, headers=AUTH, timeout=5)
        assert response.json()["meta"]["total"] == 2
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# -- a broken API or network ------------------------------------------------------------------


def test_bad_bodies_are_served_with_status_200():
    with serve(make_records(3), token=TOKEN, faults=Faults(bad_body="html")) as server:
        html = get(server, page=1)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    with serve(make_records(3), token=TOKEN, faults=Faults(bad_body="not_json")) as server:
        broken = get(server, page=1)
    with pytest.raises(ValueError):
        broken.json()
    with serve(make_records(3), token=TOKEN, faults=Faults(bad_body_on={2: "wrong_shape"})) as s:
        fine, shaped = get(s, page=1), get(s, page=1)
    assert "data" in fine.json() and list(shaped.json()) == ["results"]
    with pytest.raises(ValueError, match="body faults"):
        Faults(bad_body="xml")


def test_a_truncated_body_promises_more_than_it_sends():
    with serve(make_records(3), token=TOKEN, faults=Faults(bad_body="truncated")) as server:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            get(server, page=1)
    assert server.counts == {200: 1}


def test_a_trickled_body_arrives_a_byte_at_a_time():
    with serve(make_records(1), token=TOKEN, faults=Faults(trickle=0.05)) as server:
        response = requests.get(f"{server.base_url}/perusahaan", headers=AUTH, stream=True,
                                timeout=1)  # each byte comes well within the read timeout
        first = response.raw.read1(1000)
        response.close()
    assert first == b"{"  # one byte, not the page


def test_a_hanging_server_reads_the_request_and_never_answers():
    with serve(make_records(1), token=TOKEN, faults=Faults(hang=True)) as server:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(f"{server.base_url}/perusahaan", headers=AUTH, timeout=0.5)
    assert server.log == [{"n": 1, "page": None, "status": None}]
