"""Nothing quarantined is lost: the API's extract validated into the lake by the real
pipeline (GX), the watermark moved by the commit after it, a quarantined company asked for
again until a version of it passes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from registry_helpers import TOKEN, company, make_records
from ucj.pipeline import registry
from ucj.registry.client import read_watermark
from ucj.registry.records import read_jsonl
from ucj.registry.server import serve


@pytest.fixture
def env(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(lake=tmp_path / "lake", val=tmp_path / "val",
                           landing=str(tmp_path / "landing"))


def run(server, env) -> tuple[dict, dict]:
    """One ucj_registry run: extract, then validate (which commits)."""
    extracted = registry.extract(server.base_url, TOKEN, env.lake, env.landing,
                                 sleep=lambda s: None)
    validated = registry.process(extracted["path"], extracted["extract_id"], env.lake,
                                 env.val, {"extract_source": extracted["source"]})
    return extracted, validated


def lake_nibs(env) -> set[str]:
    return set(pd.read_parquet(env.lake / "registry", columns=["nib"])["nib"])


def state(env):
    return read_watermark(env.lake / "raw" / "registry" / "_state")


def broken(i: int, **changes) -> dict:
    """A record whose worker counts do not add up (rule jumlah_tk_wlkp_sum)."""
    return company(i, jumlah_tk_wlkp=999, **changes)


@pytest.mark.parametrize("correction_stamp", ["same", "later"])
def test_a_quarantined_company_corrected_at_the_source_reaches_the_lake(env, correction_stamp):
    records = [*make_records(2), broken(2), *make_records(2, first=3)]
    with serve(records, token=TOKEN) as server:
        first, checked = run(server, env)
        assert (checked["rows_valid"], checked["rows_quarantined"]) == (4, 1)
        assert set(state(env).held) == {records[2]["nib"]}
        assert state(env).updated_at == records[-1]["updated_at"]  # moved past it: held

        stamp = records[2]["updated_at"] if correction_stamp == "same" else \
            records[-1]["updated_at"].replace("08:04", "11:00")
        server.upsert([company(2, stamp), company(9, records[-1]["updated_at"]
                                                   .replace("08:04", "10:00"))])
        second, checked = run(server, env)

    assert second["updated_since"] == records[2]["updated_at"]  # from the held record
    assert {r["nib"] for r in read_jsonl(second["path"])} == {records[2]["nib"],
                                                               company(9)["nib"]}
    assert second["already_extracted"] == 2 and second["held_again"] == 1
    assert (checked["rows_valid"], checked["rows_quarantined"]) == (2, 0)
    assert records[2]["nib"] in lake_nibs(env)
    assert state(env).held == {}
    assert checked["quarantined_held"] == 0


def test_a_company_still_broken_is_asked_for_again_until_it_passes(env):
    records = make_records(4)
    with serve([*records[:1], broken(1), *records[2:]], token=TOKEN) as server:
        run(server, env)
        again, checked = run(server, env)  # the source has not corrected it yet
        assert [r["nib"] for r in read_jsonl(again["path"])] == [records[1]["nib"]]
        assert checked["rows_quarantined"] == 1 and set(state(env).held) == {records[1]["nib"]}
        server.upsert([records[1]])
        _, checked = run(server, env)
    assert checked["rows_valid"] == 1 and state(env).held == {}
    assert lake_nibs(env) == {r["nib"] for r in records}


# a fifth of the extract broken (refused by the batch rules by default): this test is about
# the watermark holding them all
@pytest.mark.usefixtures("row_rules_only")
def test_many_broken_companies_all_come_back(env):
    # the trial that lost 24 companies: broken records spread through the stream, the
    # watermark far past them, each corrected later under its own updated_at
    records = make_records(60)
    bad = set(range(3, 60, 5))
    with serve([broken(i) if i in bad else r for i, r in enumerate(records)],
               token=TOKEN) as server:
        _, checked = run(server, env)
        assert checked["rows_quarantined"] == len(bad)
        server.upsert([records[i] for i in bad])
        _, checked = run(server, env)
    assert checked["rows_valid"] == len(bad)
    assert lake_nibs(env) == {r["nib"] for r in records} and state(env).held == {}


def test_a_run_failing_after_extract_loses_nothing_held(env):
    records = [*make_records(2), broken(2)]
    with serve(records, token=TOKEN) as server:
        run(server, env)
        before = state(env)
        server.upsert([company(2)])
        registry.extract(server.base_url, TOKEN, env.lake, env.landing)  # validate fails
        assert state(env) == before
        _, checked = run(server, env)
    assert checked["rows_valid"] == 1 and records[2]["nib"] in lake_nibs(env)
