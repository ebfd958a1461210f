"""Precision and recall of the company alerts, per rule, on a generated landing zone.

    scripts/env.sh python benchmarks/alert_accuracy.py --participants 20000 --months 3

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


def score(alerts: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per rule: truth and alert counts, true/false positives, misses, precision, recall."""
    rows = []
    for rule in RULES:
        got = set(map(tuple, alerts.loc[alerts["rule"] == rule, ["nib", "periode"]].values))
        want = set(map(tuple, truth.loc[truth["rule"] == rule, ["nib", "periode"]].values))
        tp = len(got & want)
        rows.append({
            "rule": rule, "truth": len(want), "alerts": len(got), "tp": tp,
            "fp": len(got - want), "fn": len(want - got),
            "precision": tp / len(got) if got else float("nan"),
            "recall": tp / len(want) if want else float("nan"),
        })
    return pd.DataFrame(rows)


def errors(alerts: pd.DataFrame, truth: pd.DataFrame, landing: Path) -> pd.DataFrame:
    """The false positives and misses with each company's planted role, for diagnosis."""
    from ucj.generate.registry import COMPANIES_FILE
    from ucj.generate.truth import TRUTH_DIR

    roles = pd.read_csv(landing / TRUTH_DIR / COMPANIES_FILE, dtype=str, keep_default_na=False)
    a = alerts.assign(alert=True)
    t = truth[["rule", "nib", "periode"]].assign(truth=True)
    both = a.merge(t, on=["rule", "nib", "periode"], how="outer")
    wrong = both[both["alert"].isna() | both["truth"].isna()].copy()
    wrong["kind"] = wrong["truth"].isna().map({True: "false positive", False: "missed"})
    return wrong.drop(columns=["alert", "truth"]).merge(roles, on="nib", how="left")


def measure(landing: Path, work: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from ucj.generate.registry import read_patterns

    wh = build_warehouse(landing, work)
    try:
        alerts = company_alerts(wh)
    finally:
        wh.close()
    truth = read_patterns(landing)
    return score(alerts, truth), errors(alerts, truth, landing)


def table(result: pd.DataFrame) -> str:
    lines = [f"{'rule':<20}{'truth':>7}{'alerts':>8}{'tp':>6}{'fp':>5}{'fn':>5}"
             f"{'precision':>11}{'recall':>8}"]
    for r in result.itertuples():
        lines.append(f"{r.rule:<20}{r.truth:>7}{r.alerts:>8}{r.tp:>6}{r.fp:>5}{r.fn:>5}"
                     f"{r.precision:>11.3f}{r.recall:>8.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=20000)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--start", default="2026-01")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workdir", default=None, help="keep the landing zone, lake and warehouse")
    ap.add_argument("--errors", action="store_true", help="list false positives and misses")
    args = ap.parse_args(argv)
    from ucj.generate import generate

    with tempfile.TemporaryDirectory(prefix="ucj-accuracy-") as tmp:
        work = Path(args.workdir or tmp)
        landing = work / "landing"
        t0 = time.perf_counter()
        generate(landing, (args.start, args.months), participants=args.participants,
                 seed=args.seed)
        result, wrong = measure(landing, work)
        took = time.perf_counter() - t0
    print(f"participants={args.participants} months={args.months} start={args.start} "
          f"seed={args.seed} ({took:.0f} s)")
    print(table(result))
    if args.errors and not wrong.empty:
        print(wrong.sort_values(["rule", "periode", "nib"]).to_string(index=False))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
