"""GX's expectation configuration built once per expectation and run (ucj.validation.gx_memo):
the same quarantine and the same GX results as GX's own property, on generated deliveries
with planted bad rows of every source; fewer configurations built; GX's property untouched
outside a validation."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pandas as pd
import pytest
from prepared_chunks import chunks, enrollment_chunks
from ucj import wilayah
from ucj.contracts import apbdes, enrollment, registry
from ucj.validation import engine, gx_memo
from ucj.validation.engine import Validator
from ucj.validation.rules import gx_expectations
from ucj_sample import generate

CHUNK = 1_500


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    generate(root, ["2026-01"], 3_000, seed=29, bad_share=0.06)
    return root


def _deliveries(landing):
    yield (lambda: enrollment.rules("2026-01", wilayah.village_codes()),
           list(enrollment_chunks(landing, CHUNK)))
    yield (lambda: apbdes.rules("2026", wilayah.village_codes()),
           list(chunks(landing / "village_budget" / "apbdes_2026.csv", apbdes, apbdes.prepare,
                       CHUNK)))
    frame = pd.read_csv(landing / "registry" / "perusahaan_20260131.csv", sep=None,
                        engine="python", dtype=str, keep_default_na=False)
    frame = frame.reindex(columns=registry.COLUMNS).replace("", np.nan)
    frame.loc[frame.index[:3], "kode_desa"] = "99.99"  # break a few rows on purpose
    yield (lambda: registry.rules(wilayah.village_codes()),
           [registry.prepare(frame, nib_counts=pd.Series(dtype="int64"))])


def _validate(rules_of, chunks, distinct: bool):
    validator = Validator("memo", rules_of(), distinct=distinct)
    report, outcomes = validator.new_report(), []
    for chunk in chunks:
        outcome = validator.validate(chunk)
        outcomes.append((outcome.reasons.to_dict(), dict(outcome.counts)))
        report.add(len(chunk), outcome)
    return outcomes, report.results.suite_result("s", {}).to_json_dict()["results"]


@pytest.mark.parametrize("distinct", [True, False])
def test_same_outcomes_and_results_as_gx_own_property(landing, monkeypatch, distinct):
    deliveries = list(_deliveries(landing))
    memoized = [_validate(rules_of, chunks, distinct) for rules_of, chunks in deliveries]
    monkeypatch.setattr(gx_memo, "memoized", contextlib.nullcontext)
    own = [_validate(rules_of, chunks, distinct) for rules_of, chunks in deliveries]
    for (got_outcomes, got), (want_outcomes, want) in zip(memoized, own, strict=True):
        assert got_outcomes == want_outcomes
        assert got == want
        assert sum(r["result"]["unexpected_count"] for r in got) > 0  # bad rows were there


def _counting_configurations(monkeypatch) -> list:
    """Every ExpectationConfiguration GX's property builds, counted."""
    from great_expectations.expectations import expectation as gx_expectation

    built = []
    real = gx_expectation.ExpectationConfiguration

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(gx_expectation, "ExpectationConfiguration", counting)
    return built


def test_a_run_builds_each_configuration_once(monkeypatch):
    gxe = gx_expectations()
    expectations = [gxe.ExpectColumnValuesToNotBeNull(column="a"),
                    gxe.ExpectColumnValuesToMatchRegex(column="a", regex=r"^\d+$")]
    run = engine._suite_runner(engine._batch_definition("memo"), "memo:a", expectations)
    frame = pd.DataFrame({"a": ["1", "22", None, "x"]})
    run(frame)  # GX's first run in a process sets up more than later ones
    built = _counting_configurations(monkeypatch)
    result = run(frame)
    with_memo = len(built)
    built.clear()
    monkeypatch.setattr(gx_memo, "memoized", contextlib.nullcontext)
    assert run(frame).to_json_dict()["results"] == result.to_json_dict()["results"]
    without = len(built)
    # GX reads each expectation's configuration dozens of times a run; kept, it is built
    # once per expectation object GX makes in the run (the rest: GX's other configurations)
    assert 5 * with_memo < without, (with_memo, without)


def test_outside_a_validation_the_property_is_gx_own():
    gx_memo.install()
    gx_memo.install()  # once per process, however often asked
    gxe = gx_expectations()
    expectation = gxe.ExpectColumnValuesToNotBeNull(column="a")
    first, second = expectation.configuration, expectation.configuration
    assert first == second and first is not second  # built at each read, as GX does
    elsewhere = []
    with gx_memo.memoized():
        inside = expectation.configuration
        assert expectation.configuration is inside
        expectation_b = gxe.ExpectColumnValuesToNotBeNull(column="b")
        assert expectation_b.configuration.kwargs["column"] == "b"
        # another thread in the meantime reads GX's own property
        thread = threading.Thread(target=lambda: elsewhere.append(
            expectation.configuration is not expectation.configuration))
        thread.start()
        thread.join()
    assert elsewhere == [True]
    assert expectation.configuration is not inside
