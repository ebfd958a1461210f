"""Company alerts against the generator's planted patterns, and the headcount gap against an
independent reading of the generated files.

Four generated landing zones (seeds 42 and 7, each at 20,000 participants with about 100 per
employer and at 8,000 with 25 per employer: a population of small firms), three months each,
go through the real pipeline (reference, each month's registry snapshot as an extract in
month order, enrollment, warehouse refresh into DuckDB). ``marts.alerts`` is compared with
``_truth/registry_patterns.csv`` per company-month (rule, nib, periode) and per company
(rule, nib), with and without consequences (the PDS TK months after a planted drop: without
them, those truth rows and the alerts on them leave the comparison).
benchmarks/alert_accuracy.py runs the same measurement (``--suite`` for these four runs).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
MONTHS = ("2026-01", 3)
RUNS = {f"p{c['participants']}-w{c['workers_per_employer']}-s{seed}": {**c, "seed": seed}
        for c in ({"participants": 20000, "workers_per_employer": 100},
                  {"participants": 8000, "workers_per_employer": 25})
        for seed in (42, 7)}
RULES = ["PWBD", "PDS_TK", "PDS_UPAH", "PDS_PROGRAM", "PENURUNAN_MENDADAK", "ROTASI"]
MIN_PRECISION = MIN_RECALL = 0.95
MIN_TRUTH = 8  # company-months per rule and run, for a meaningful figure


def _benchmark():
    spec = importlib.util.spec_from_file_location("alert_accuracy",
                                                  ROOT / "benchmarks" / "alert_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _benchmark()


_BUILT: dict[str, dict] = {}


def _build(name: str, tmp_path_factory) -> dict:
    """One generated run through the pipeline: its scores, its mart and its landing zone."""
    if name in _BUILT:
        return _BUILT[name]
    from ucj_sample import generate
    from ucj_sample.registry import read_patterns

    c = RUNS[name]
    work = tmp_path_factory.mktemp(name)
    landing = work / "landing"
    generate(landing, MONTHS, participants=c["participants"], seed=c["seed"],
             workers_per_employer=c["workers_per_employer"])
    wh = BENCH.build_warehouse(landing, work)
    try:
        alerts = BENCH.company_alerts(wh)
        mart = wh.query("SELECT * FROM marts.mart_company_compliance")
    finally:
        wh.close()
    truth = read_patterns(landing)
    result = BENCH.scores(alerts, truth)
    print(f"\nalert accuracy, {name}, {MONTHS[1]} months")
    print(BENCH.table(result))
    wrong = BENCH.errors(alerts, truth, landing)
    if not wrong.empty:
        print(wrong.to_string(index=False))
    _BUILT[name] = {"name": name, "scores": result, "mart": mart, "landing": landing,
                    "work": work}
    return _BUILT[name]


@pytest.fixture(scope="module", params=list(RUNS))
def run(request, tmp_path_factory):
    return _build(request.param, tmp_path_factory)


def test_every_rule_is_planted_often_enough(run):
    s = run["scores"]
    per_month = s[(s["level"] == "company-month") & s["consequences"]].set_index("rule")
    assert list(per_month.index) == RULES
    assert (per_month["truth"] >= MIN_TRUTH).all(), per_month["truth"].to_dict()


def test_precision_and_recall_per_rule_level_and_consequences(run):
    s = run["scores"]
    low = s[(s["precision"] < MIN_PRECISION) | (s["recall"] < MIN_RECALL)
            | s["precision"].isna() | s["recall"].isna()]
    assert low.empty, f"{run['name']}:\n{low.to_string(index=False)}"


def test_small_companies_are_planted_and_found(run):
    """The patterns the issue names at small sizes are in the truth, and alerted."""
    roles = pd.read_csv(run["landing"] / "_truth" / "registry_companies.csv", dtype=str,
                        keep_default_na=False)
    truth = pd.read_csv(run["landing"] / "_truth" / "registry_patterns.csv", dtype=str,
                        keep_default_na=False)
    mart = run["mart"].merge(truth, on=["nib", "periode"])
    rotated = mart[mart["rule"] == "ROTASI"]
    assert (rotated["peserta_pu_aktif"] < 20).any()  # a small firm rotating its workers
    few = roles.loc[roles["peran"] == "pds_upah_tk", "nib"]
    upah = mart[(mart["rule"] == "PDS_UPAH") & mart["nib"].isin(few)]
    assert len(upah) > 0 and (upah["peserta_pu_aktif"] < 20).all()


# --- the headcount gap, read independently -----------------------------------------------


def _month_end(periode: str) -> dt.date:
    y, m = map(int, periode.split("-"))
    return dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


def _active_pu_persons(landing: Path) -> dict[str, dict[str, set]]:
    """periode -> npp -> NIKs of active PU rows, from the raw CSV files (the rows the
    generator planted bad left out: the quarantine takes exactly those, tests/test_e2e.py)."""
    bad = defaultdict(set)
    with open(landing / "_truth" / "enrollment_bad_rows.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            bad[r["file"]].add(int(r["row_number"]))
    out: dict[str, dict[str, set]] = {}
    for path in sorted((landing / "enrollment").glob("kepesertaan_*.csv")):
        rel = f"enrollment/{path.name}"
        lines = path.read_text(encoding="utf-8-sig").split("\n")
        header = [h.strip() for h in lines[0].split(";")]
        persons: dict[str, set] = defaultdict(set)
        periode = None
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip() or number in bad[rel]:
                continue
            r = {k: v.strip() for k, v in zip(header, line.split(";"), strict=True)}
            periode = r["periode"]
            if r["status"].upper() == "AKTIF" and r["segmen"].upper() == "PU" and r["npp"]:
                persons[r["npp"]].add(r["nik"])
        out[periode] = persons
    return out


def _registry_records(landing: Path) -> dict[str, list[dict]]:
    """nib -> its distinct records over the registry snapshots, by updated_at."""
    seen: dict[tuple, dict] = {}
    for path in sorted((landing / "registry").glob("perusahaan_*.csv")):
        with open(path, encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                seen[(r["nib"], r["updated_at"])] = r
    out: dict[str, list[dict]] = defaultdict(list)
    for (nib, _), r in sorted(seen.items()):
        out[nib].append(r)
    return out


def _gap_oracle(landing: Path) -> dict[tuple[str, str], int | None]:
    """(nib, periode) -> WLKP headcount minus active PU persons at the npp, for every month
    the registry knows the company: from its first appearance (earliest report date or
    record change); identity (npp) from the record current at the month's end, else the
    first; headcount from the latest report dated by the month's end."""
    persons = _active_pu_persons(landing)
    out = {}
    for nib, records in _registry_records(landing).items():
        changed = [r["updated_at"][:10] for r in records]
        first = min(min(r["tgl_lapor_wlkp"] or c, c) for r, c in zip(records, changed,
                                                                        strict=True))
        for periode, at_npp in persons.items():
            end = _month_end(periode).isoformat()
            if first > end:
                continue
            current = [r for r, c in zip(records, changed, strict=True) if c <= end]
            npp = (current[-1] if current else records[0])["npp"]
            dated = [(r["tgl_lapor_wlkp"] or c, c <= end, c, r) for r, c in
                     zip(records, changed, strict=True) if (r["tgl_lapor_wlkp"] or c) <= end]
            if not dated:
                out[(nib, periode)] = None
                continue
            last = max(d[0] for d in dated)
            same = [d for d in dated if d[0] == last]
            known = [d for d in same if d[1]]
            report = (known[-1] if known else same[0])[3]
            out[(nib, periode)] = int(report["jumlah_tk_wlkp"]) - len(at_npp.get(npp, ()))
    return out


def test_headcount_gap_is_exact_for_every_company_month(run):
    want = _gap_oracle(run["landing"])
    mart = run["mart"]
    got = {(r.nib, r.periode): (None if pd.isna(r.selisih_tk) else int(r.selisih_tk))
           for r in mart.itertuples()}
    assert set(got) == set(want)
    assert got == want
    closed = mart.loc[mart["status_usaha"] == "TUTUP", ["nib", "periode"]]
    assert len(closed) > 0  # TUTUP companies are answered too


def test_a_backfill_with_the_last_extract_agrees_with_monthly_extracts(tmp_path_factory):
    """The registry extracted once, after the three months (the enrollment months loaded
    first): every company whose records all carried one report, status, npp and scale gets
    the marts of the monthly extracts, including those whose record changed after the first
    month without a new report (their earlier months are kept)."""
    from ucj import warehouse
    from ucj.pipeline import enrollment, reference, registry
    from ucj.registry.records import read_csv, write_jsonl
    from ucj.warehouse import load as wl

    monthly = _build("p8000-w25-s42", tmp_path_factory)
    landing = monthly["landing"]
    back = tmp_path_factory.mktemp("backfill")
    lake, val = back / "lake", back / "validation"
    for f in sorted((landing / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    for f in sorted((landing / "enrollment").glob("kepesertaan_*.*")):
        enrollment.process(f, lake, val, BENCH.SECRET)
    wh = warehouse.connect(f"duckdb:///{back / 'warehouse.duckdb'}")
    try:
        wl.refresh(wh, lake, wl.enrollment_partitions(lake), "backfill-1")
        last = sorted((landing / "registry").glob("perusahaan_*.csv"))[-1]
        write_jsonl(back / "extract.jsonl", read_csv(last))
        registry.process(back / "extract.jsonl", "20260331T235959Z", lake, val)
        wl.refresh(wh, lake, [], "backfill-2")
        got = wh.query("SELECT * FROM marts.mart_company_compliance")
    finally:
        wh.close()
    records = _registry_records(landing)
    steady = {nib for nib, rs in records.items()
              if len({(r["tgl_lapor_wlkp"], r["jumlah_tk_wlkp"], r["status_usaha"], r["npp"],
                       r["skala_usaha"]) for r in rs}) == 1}
    edited = {nib for nib in steady if records[nib][-1]["updated_at"] > "2026-02"}
    assert len(edited) >= 3  # records changed without a new report after January
    want = monthly["mart"]
    cols = [c for c in want.columns if c != "nama_perusahaan"]  # a CV renamed PT: identity

    def rows(df):
        df = df[df["nib"].isin(steady)][cols].sort_values(["nib", "periode"])
        return df.reset_index(drop=True).astype(object).where(df.notna().values, None)

    pd.testing.assert_frame_equal(rows(got), rows(want))
    assert set(got.loc[got["nib"].isin(edited), "periode"]) == {"2026-01", "2026-02",
                                                                "2026-03"}
