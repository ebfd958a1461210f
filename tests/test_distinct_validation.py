"""Validating distinct value combinations gives exactly what validating every row gives:
the same quarantine reasons and counts per chunk, and the same merged GX results (the Data
Docs), on generated deliveries with planted bad rows of every source."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from prepared_chunks import chunks, enrollment_chunks
from ucj import wilayah
from ucj.contracts import apbdes, enrollment, registry
from ucj.validation import distinct
from ucj.validation.engine import ValidationEngineError, Validator, column_groups
from ucj.validation.rules import gx_expectations
from ucj_sample import generate

CHUNK = 1_000


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    generate(root, ["2026-01"], 4_000, seed=23, bad_share=0.06)
    return root


def _chunks(path, contract, prepare):
    return chunks(path, contract, prepare, CHUNK)


def _enrollment_chunks(landing):
    return enrollment_chunks(landing, CHUNK)


# The date-order rules compare derived columns holding <NA> wherever a date is blank or not
# real (a nullable integer dtype): planted in the generated month, so compared here too.
DATE_ORDER = ("tgl_kepesertaan_not_after_month_end", "tgl_nonaktif_not_after_month_end",
              "tgl_nonaktif_not_before_tgl_kepesertaan", "tgl_kepesertaan_not_before_tgl_lahir")


def _same_everywhere(rules_of, chunks, planted=()) -> Validator:
    fast, reference = Validator("fast", rules_of()), Validator("reference", rules_of(),
                                                                distinct=False)
    fast_report, reference_report = fast.new_report(), reference.new_report()
    for chunk in chunks:
        a, b = fast.validate(chunk), reference.validate(chunk)
        pd.testing.assert_series_equal(a.reasons, b.reasons)
        assert a.counts == b.counts
        fast_report.add(len(chunk), a)
        reference_report.add(len(chunk), b)
    assert fast_report.as_dict()["rules"] == reference_report.as_dict()["rules"]
    got = fast_report.results.suite_result("s", {}).to_json_dict()["results"]
    want = reference_report.results.suite_result("s", {}).to_json_dict()["results"]
    assert got == want
    assert sum(r["result"]["unexpected_count"] for r in got) > 0  # bad rows were there
    broken = {r["expectation_config"]["meta"]["rule"] for r in got
              if r["result"]["unexpected_count"]}
    assert set(planted) <= broken, set(planted) - broken
    return fast


def test_enrollment_month(landing):
    validator = _same_everywhere(
        lambda: enrollment.rules("2026-01", wilayah.village_codes()), _enrollment_chunks(landing),
        planted=DATE_ORDER)
    # every group of the enrollment suite is row-wise: each goes the distinct way, until
    # its values prove mostly distinct; those go into one group validated on its rows
    by_columns = {tuple(g.columns): g for g in validator._groups}
    assert by_columns[("kode_desa",)].remember  # few distinct desa: remembered
    # deactivation dates and membership lengths repeat: remembered across chunks as well
    assert by_columns[("x_tgl_nonaktif_ymd",)].remember
    assert by_columns[("x_days_kepesertaan_to_nonaktif",)].remember
    mostly_distinct = [g for g in validator._groups if not isinstance(g, distinct.DistinctGroup)]
    assert len(mostly_distinct) == 1
    assert {"kpj", "nik", "nama"} <= set(mostly_distinct[0].columns)


def test_village_budget_year(landing):
    path = landing / "village_budget" / "apbdes_2026.csv"
    _same_everywhere(lambda: apbdes.rules("2026", wilayah.village_codes()),
                     _chunks(path, apbdes, apbdes.prepare))


def test_registry_snapshot(landing):
    path = landing / "registry" / "perusahaan_20260131.csv"
    frame = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    frame = frame.reindex(columns=registry.COLUMNS).replace("", np.nan)
    frame.loc[frame.index[:3], "kode_desa"] = "99.99"  # break a few rows on purpose
    _same_everywhere(lambda: registry.rules(wilayah.village_codes()),
                     [registry.prepare(frame, nib_counts=pd.Series(dtype="int64"))])


def test_remembered_combinations_span_chunks():
    """A later chunk reuses what GX answered for an earlier one; a mostly distinct group
    (id) is validated on its rows from the next chunk on."""
    gxe = gx_expectations()
    from ucj.validation import rules as r

    rules = [r.in_set("code_known", "code", {"A", "B"}, "code is A or B"),
             r.Rule("id_present", "id is present", gxe.ExpectColumnValuesToNotBeNull(column="id"))]
    validator = Validator("memo", rules)
    seen = []
    for group in validator._groups:
        run = group.run
        group.run = lambda frame, run=run, group=group: seen.append(
            (tuple(group.columns), len(frame))) or run(frame)
    first = pd.DataFrame({"code": ["A", "B", "C", None] * 3,
                          "id": [str(i) for i in range(12)]})
    second = pd.DataFrame({"code": ["B", "C", "D"], "id": ["x", None, "z"]}, index=[20, 21, 22])
    assert validator.validate(first).reasons.to_dict() == {2: "code_known", 6: "code_known",
                                                           10: "code_known"}
    outcome = validator.validate(second)
    assert outcome.reasons.to_dict() == {21: "code_known;id_present", 22: "code_known"}
    # code: 4 combinations, then only the new D; id: 12 distinct, so validated on its rows
    assert seen == [(("code",), 4), (("id",), 12), (("code",), 1)]
    assert [type(g).__name__ for g in validator._groups] == ["DistinctGroup", "_RowGroup"]


def test_a_group_over_the_bound_stops_remembering(monkeypatch):
    """More remembered combinations than CACHE_MAX, though not mostly new in the chunk: the
    group forgets them and is validated on its rows from then on."""
    from ucj.validation import rules as r

    monkeypatch.setattr(distinct, "CACHE_MAX", 3)
    validator = Validator("bound", [r.in_set("code_known", "code", {"A"}, "code is A")])
    [group] = validator._groups
    chunk = pd.DataFrame({"code": ["A", "B", "C", "D"] * 3})  # 4 combinations in 12 rows
    assert validator.validate(chunk).reasons.to_dict() == {
        i: "code_known" for i in range(12) if i % 4}
    assert not group.remember and len(group._known) == 0
    assert validator._groups[0].merged and validator._groups[0].columns == ["code"]


def test_an_expectation_that_raises_stops_the_batch():
    """A metric that fails inside GX (its exception info keyed by metric) is not a pass."""
    gxe = gx_expectations()
    from ucj.validation import rules as r

    rules = [r.Rule("a_is_b", "a equals b",
                    gxe.ExpectColumnPairValuesToBeEqual(column_A="a", column_B="b"))]
    frame = pd.DataFrame({"a": pd.Categorical(["x", "y"]), "b": pd.Categorical(["x", "z"])})
    for validator in (Validator("raises", rules), Validator("raises", rules, distinct=False)):
        with pytest.raises(ValidationEngineError, match="a_is_b"):
            validator.validate(frame)


def test_a_missing_column_stops_the_batch_naming_the_rule():
    from ucj.validation import rules as r

    rules = [r.in_set("code_known", "code", {"A"}, "code is A")]
    for validator in (Validator("missing", rules), Validator("missing", rules, distinct=False)):
        with pytest.raises(ValidationEngineError, match="code_known"):
            validator.validate(pd.DataFrame({"other": ["A"]}))


def test_uniqueness_is_validated_on_rows():
    gxe = gx_expectations()
    from ucj.validation import rules as r

    rules = [r.Rule("code_unique", "code is unique",
                    gxe.ExpectColumnValuesToBeUnique(column="code"))]
    assert not distinct.row_wise([rule.expectation.configuration for rule in rules])
    validator = Validator("unique", rules)
    assert list(column_groups(rules)) == [("code",)]
    outcome = validator.validate(pd.DataFrame({"code": ["A", "B", "A"]}))
    assert outcome.reasons.to_dict() == {0: "code_unique", 2: "code_unique"}


def test_gx_does_not_fingerprint_the_chunks():
    """GX's batch fingerprint (a hash of every row) is switched off: nothing reads it."""
    from ucj.validation import rules as r

    validator = Validator("fingerprint", [r.in_set("code_known", "code", {"A"}, "code is A")],
                          distinct=False)
    result = validator._groups[0].run(pd.DataFrame({"code": ["A", "B"]}))
    assert result.meta["batch_markers"]["ge_load_time"]
    assert "pandas_data_fingerprint" not in result.meta["batch_markers"]


def test_more_unexpected_combinations_than_gx_lists_values_for():
    """GX lists the values of the first 200 unexpected rows only (all their row numbers):
    a chunk with more unexpected combinations is still validated exactly, and reported as
    GX reports it, on a single column and on a column pair."""
    gxe = gx_expectations()
    from great_expectations.constants import MAX_RESULT_RECORDS
    from ucj.validation import rules as r

    assert distinct.GX_VALUES_MAX == MAX_RESULT_RECORDS
    rules = lambda: [  # noqa: E731
        r.regex("code_format", "code", r"^\d{3}$", "code is 3 digits"),
        r.Rule("code_is_copy", "copy equals code",
               gxe.ExpectColumnPairValuesToBeEqual(column_A="code", column_B="copy"))]
    n = 1_500
    codes = [f"{i:03d}" if i % 3 else f"x{i}" for i in range(n)]  # 500 distinct bad codes
    copies = [c if i % 4 else f"{c}!" for i, c in enumerate(codes)]
    frame = pd.DataFrame({"code": codes * 2, "copy": copies * 2}, dtype="string")
    _same_everywhere(rules, [frame.iloc[:1_000], frame.iloc[1_000:].copy()])


def test_date_order_rules_on_chunks_with_nothing_to_compare():
    """A chunk of active rows only (no tgl_nonaktif), or of dates that are not dates, gives the
    date-order rules nothing to compare (all <NA>): counted missing, never unexpected, the same
    in both ways; a later chunk's violations are found by both."""
    from enrollment_rows import row

    def chunk(start: int, changes: list[dict]) -> pd.DataFrame:
        rows = [row(kpj=f"{start + i:011d}", **c) for i, c in enumerate(changes)]
        frame = pd.DataFrame(rows, columns=enrollment.COLUMNS).replace("", None)
        frame.index = pd.RangeIndex(start, start + len(rows))
        return enrollment.prepare(frame, kpj_counts=pd.Series(dtype="int64"))

    nonaktif = {"status": "NONAKTIF", "iuran": "0"}
    chunks = [
        chunk(2, [{}, {}, {"tgl_kepesertaan": "31/01/2026"}]),
        chunk(5, [{"tgl_kepesertaan": "31/02/2026"}, {"tgl_kepesertaan": None},
                  {**nonaktif, "tgl_nonaktif": "32/01/2026"}]),
        chunk(8, [{"tgl_kepesertaan": "01/02/2026"}, {**nonaktif, "tgl_nonaktif": "01/02/2026"},
                  {**nonaktif, "tgl_nonaktif": "31/01/2020"}, {"tgl_kepesertaan": "14/05/1990"},
                  {**nonaktif, "tgl_nonaktif": "01/02/2020"}, {}]),
    ]
    for column in ("x_tgl_nonaktif_ymd", "x_days_kepesertaan_to_nonaktif"):
        assert chunks[0][column].isna().all() and chunks[1][column].isna().all()
    validator = _same_everywhere(
        lambda: enrollment.rules("2026-01", wilayah.village_codes()), chunks, planted=DATE_ORDER)
    last = validator.validate(chunks[2])
    assert last.reasons.to_dict() == dict(zip(range(8, 12), DATE_ORDER, strict=True))


def test_a_mostly_distinct_first_chunk_is_validated_without_remembering():
    """A group whose first chunk is mostly new combinations (a kpj, a NIK) is validated on
    them without remembering any (no key is made for them), with the outcome and results of
    the row-wise way, on one column and on a pair, nulls and bad values included; from the
    next chunk on it is validated on its rows."""
    gxe = gx_expectations()
    from ucj.validation import rules as r

    rules = lambda: [  # noqa: E731
        r.regex("id_format", "id", r"^\d{4}$", "id is 4 digits"),
        r.Rule("id_is_copy", "copy equals id",
               gxe.ExpectColumnPairValuesToBeEqual(column_A="id", column_B="copy"))]
    ids = [None if i % 97 == 0 else f"{i:04d}" if i % 7 else f"x{i}" for i in range(900)]
    copies = [c if i % 5 else f"{c}!" for i, c in enumerate(ids)]
    frame = pd.DataFrame({"id": ids, "copy": copies}, dtype=object)
    validator = Validator("distinct-first", rules())
    first = validator.validate(frame.iloc[:600])
    assert first.counts["id_format"] > 0 and first.counts["id_is_copy"] > 0
    assert all(not g._known for g in validator._groups if isinstance(g, distinct.DistinctGroup))
    assert [type(g).__name__ for g in validator._groups] == ["_RowGroup"]
    _same_everywhere(rules, [frame.iloc[:600], frame.iloc[600:].copy()])
