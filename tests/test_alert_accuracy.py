"""Company alerts against the generator's planted patterns: precision and recall per rule.

Three generated months at 20,000 participants go through the real pipeline (reference,
registry snapshots as extracts in month order, enrollment, warehouse refresh into DuckDB);
``marts.alerts`` is compared with ``_truth/registry_patterns.csv`` on (rule, nib, periode).
benchmarks/alert_accuracy.py runs the same measurement at any scale.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARTICIPANTS, MONTHS, SEED = 20000, ("2026-01", 3), 42
MIN_PRECISION = MIN_RECALL = 0.9
MIN_TRUTH = 8  # company-months per rule, for a meaningful figure


def _benchmark():
    spec = importlib.util.spec_from_file_location("alert_accuracy",
                                                  ROOT / "benchmarks" / "alert_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    from ucj.generate import generate

    bench = _benchmark()
    work = tmp_path_factory.mktemp("alert_accuracy")
    generate(work / "landing", MONTHS, participants=PARTICIPANTS, seed=SEED)
    result, wrong = bench.measure(work / "landing", work)
    print(f"\nalert accuracy at {PARTICIPANTS} participants, {MONTHS[1]} months, seed {SEED}")
    print(bench.table(result))
    if not wrong.empty:
        print(wrong.to_string(index=False))
    return result.set_index("rule")


def test_every_rule_is_planted_often_enough(measured):
    assert list(measured.index) == ["PWBD", "PDS_TK", "PDS_UPAH", "PDS_PROGRAM",
                                    "PENURUNAN_MENDADAK", "ROTASI"]
    assert (measured["truth"] >= MIN_TRUTH).all(), measured["truth"].to_dict()


@pytest.mark.parametrize("rule", ["PWBD", "PDS_TK", "PDS_UPAH", "PDS_PROGRAM",
                                  "PENURUNAN_MENDADAK", "ROTASI"])
def test_precision_and_recall(measured, rule):
    r = measured.loc[rule]
    assert r["precision"] >= MIN_PRECISION, f"{rule}: {r.to_dict()}"
    assert r["recall"] >= MIN_RECALL, f"{rule}: {r.to_dict()}"
