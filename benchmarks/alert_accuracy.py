"""Precision and recall of the company alerts, per rule, on a generated landing zone.

    scripts/env.sh python benchmarks/alert_accuracy.py --participants 20000 --months 3
    scripts/env.sh python benchmarks/alert_accuracy.py --suite   # the test's four runs

Generates the sample landing zone (enrollment, reference, registry snapshots and their ground
truth), runs the real pipeline functions on it (reference, each month's registry snapshot as
a JSON-lines extract in month order, each month's enrollment file, then the warehouse
refresh into a DuckDB file) and compares ``marts.alerts`` (company alerts) with
``_truth/registry_patterns.csv`` on (rule, nib, periode). PENURUNAN_MENDADAK and ROTASI are
planted from the second month on (a drop needs the month before it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

RULES = ("PWBD", "PDS_TK", "PDS_UPAH", "PDS_PROGRAM", "PENURUNAN_MENDADAK", "ROTASI")
SECRET = "alert-accuracy-benchmark"


def build_warehouse(landing: Path, work: Path):
    """Run the pipeline on ``landing`` with its lake and warehouse under ``work``."""
    from ucj import warehouse
    from ucj.pipeline import enrollment, reference, registry
    from ucj.registry.records import read_csv, write_jsonl
    from ucj.warehouse import load as wl

    lake, val = work / "lake", work / "validation"
    for f in sorted((landing / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    for f in sorted((landing / "registry").glob("perusahaan_*.csv")):  # month order
        stamp = f.stem.removeprefix("perusahaan_")
        extract = work / "extracts" / f"perusahaan_{stamp}.jsonl"
        write_jsonl(extract, read_csv(f))
        registry.process(extract, f"{stamp}T235959Z", lake, val)
    for f in sorted((landing / "enrollment").glob("kepesertaan_*.*")):
        enrollment.process(f, lake, val, os.environ.get("UCJ_PSEUDONYM_KEY", SECRET))
    wh = warehouse.connect(f"duckdb:///{work / 'warehouse.duckdb'}")
    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "alert-accuracy")
    return wh


def company_alerts(wh) -> pd.DataFrame:
    return wh.query("SELECT rule, subject_id AS nib, periode FROM marts.alerts "
                    "WHERE subject_type = 'company'")


def _rates(rule: str, got: set, want: set) -> dict:
    tp = len(got & want)
    return {"rule": rule, "truth": len(want), "alerts": len(got), "tp": tp,
            "fp": len(got - want), "fn": len(want - got),
            "precision": tp / len(got) if got else float("nan"),
            "recall": tp / len(want) if want else float("nan")}


def score(alerts: pd.DataFrame, truth: pd.DataFrame, level: str = "company-month",
          consequences: bool = True) -> pd.DataFrame:
    """Per rule: truth and alert counts, true/false positives, misses, precision, recall.

    level "company-month" compares (nib, periode); "company" compares nib (a company alerted
    in any month of the run against a company the rule holds for in any month). Without
    consequences, the truth rows that follow from another planted event (``consequence_of``:
    the PDS TK months after a drop) leave the comparison together with the alerts on them:
    counted neither as found nor as false."""
    truth = truth if "consequence_of" in truth else truth.assign(consequence_of="")
    keys = ["nib", "periode"] if level == "company-month" else ["nib"]
    rows = []
    for rule in RULES:
        got = set(map(tuple, alerts.loc[alerts["rule"] == rule, keys].values))
        t = truth[truth["rule"] == rule]
        want = set(map(tuple, t[keys].values))
        if not consequences:
            primary = set(map(tuple, t.loc[t["consequence_of"] == "", keys].values))
            aside = want - primary
            got, want = got - aside, primary
        rows.append(_rates(rule, got, want))
    return pd.DataFrame(rows)


def scores(alerts: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """score() at both levels, with and without consequences, in one frame."""
    out = []
    for level in ("company-month", "company"):
        for consequences in (True, False):
            out.append(score(alerts, truth, level, consequences).assign(
                level=level, consequences=consequences))
    return pd.concat(out, ignore_index=True)


def errors(alerts: pd.DataFrame, truth: pd.DataFrame, landing: Path) -> pd.DataFrame:
    """The false positives and misses with each company's planted role, for diagnosis."""
    from ucj_sample.registry import COMPANIES_FILE
    from ucj_sample.truth import TRUTH_DIR

    roles = pd.read_csv(landing / TRUTH_DIR / COMPANIES_FILE, dtype=str, keep_default_na=False)
    a = alerts.assign(alert=True)
    t = truth[["rule", "nib", "periode", "consequence_of"]].assign(truth=True)
    both = a.merge(t, on=["rule", "nib", "periode"], how="outer")
    wrong = both[both["alert"].isna() | both["truth"].isna()].copy()
    wrong["kind"] = wrong["truth"].isna().map({True: "false positive", False: "missed"})
    return wrong.drop(columns=["alert", "truth"]).merge(roles, on="nib", how="left")


def measure(landing: Path, work: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from ucj_sample.registry import read_patterns

    wh = build_warehouse(landing, work)
    try:
        alerts = company_alerts(wh)
    finally:
        wh.close()
    truth = read_patterns(landing)
    return scores(alerts, truth), errors(alerts, truth, landing)


def table(result: pd.DataFrame) -> str:
    """One block per level and consequences setting (all four when ``scores`` made it)."""
    if "level" not in result:
        result = result.assign(level="company-month", consequences=True)
    lines = []
    for (level, consequences), part in result.groupby(["level", "consequences"], sort=False):
        lines.append(f"per {level}, {'with' if consequences else 'without'} consequences")
        lines.append(f"  {'rule':<20}{'truth':>7}{'alerts':>8}{'tp':>6}{'fp':>5}{'fn':>5}"
                     f"{'precision':>11}{'recall':>8}")
        for r in part.itertuples():
            lines.append(f"  {r.rule:<20}{r.truth:>7}{r.alerts:>8}{r.tp:>6}{r.fp:>5}{r.fn:>5}"
                         f"{r.precision:>11.3f}{r.recall:>8.3f}")
    return "\n".join(lines)


# The runs tests/test_alert_accuracy.py holds to 0.95: two seeds at two scales, one of them a
# population of small firms (25 participants per employer instead of 100).
SUITE = ({"participants": 20000, "workers_per_employer": 100},
         {"participants": 8000, "workers_per_employer": 25})
SUITE_SEEDS = (42, 7)


def run(work: Path, participants: int, months: int, seed: int, start: str = "2026-01",
        workers_per_employer: int = 100) -> tuple[pd.DataFrame, pd.DataFrame]:
    from ucj_sample import generate

    landing = work / "landing"
    generate(landing, (start, months), participants=participants, seed=seed,
             workers_per_employer=workers_per_employer)
    return measure(landing, work)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=20000)
    ap.add_argument("--workers-per-employer", type=int, default=100,
                    help="participants per PU employer (25: a population of small firms)")
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--start", default="2026-01")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--suite", action="store_true",
                    help="the test's runs: seeds 42 and 7 at 20000/100 and 8000/25")
    ap.add_argument("--workdir", default=None, help="keep the landing zone, lake and warehouse")
    ap.add_argument("--errors", action="store_true", help="list false positives and misses")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also in a log
    configs = [{**c, "seed": s} for c in SUITE for s in SUITE_SEEDS] if args.suite else [
        {"participants": args.participants, "workers_per_employer": args.workers_per_employer,
         "seed": args.seed}]
    results = []
    for c in configs:
        with tempfile.TemporaryDirectory(prefix="ucj-accuracy-") as tmp:
            work = Path(args.workdir or tmp) / (f"p{c['participants']}-w"
                                                f"{c['workers_per_employer']}-s{c['seed']}")
            t0 = time.perf_counter()
            print(f"running {c} ...")
            result, wrong = run(work, c["participants"], args.months, c["seed"], args.start,
                                c["workers_per_employer"])
            took = time.perf_counter() - t0
        print(f"participants={c['participants']} workers_per_employer="
              f"{c['workers_per_employer']} months={args.months} start={args.start} "
              f"seed={c['seed']} ({took:.0f} s)")
        print(table(result))
        if args.errors and not wrong.empty:
            print(wrong.sort_values(["rule", "periode", "nib"]).to_string(index=False))
        results.append(result.assign(**c))
    return pd.concat(results, ignore_index=True)


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
