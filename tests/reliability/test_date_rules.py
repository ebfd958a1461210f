"""Dates a month-end snapshot cannot hold, delivered through the real path (landing zone, raw
copy, validation, lake, warehouse load): each row is quarantined with its date rule alone,
the boundary rows and every other row are loaded, and the run balances.

The behaviour per case, and why each rule is an error, is tabled in
tests/reliability/README.md ("Date rules")."""

from __future__ import annotations

import pytest
from ucj import quarantine_view, warehouse

from reliability.helpers import (
    enrollment_file,
    load,
    month_rows,
    nik,
    process_month,
    row,
)

# a month of 25 rows with 9 planted: these tests judge rows, not the delivery
pytestmark = pytest.mark.usefixtures("row_rules_only")

PERIODE = "2026-02"  # the file kepesertaan_202602.csv: its month ends on 28/02/2026
# month_rows' participants were born 15/05/1990 and registered 01/02/2020.
NONAKTIF = {"status": "NONAKTIF", "iuran": "0"}
CASES = {
    # case: (change to a valid participant, the rules its row breaks; none = loaded)
    "registered_after_month_end": ({"tgl_kepesertaan": "01/03/2026"},
                                   {"tgl_kepesertaan_not_after_month_end"}),
    "registered_years_ahead": ({"tgl_kepesertaan": "10/02/2062"},  # a typed year
                               {"tgl_kepesertaan_not_after_month_end"}),
    "deactivated_after_month_end": ({**NONAKTIF, "tgl_nonaktif": "02/03/2026"},
                                    {"tgl_nonaktif_not_after_month_end"}),
    "deactivated_before_registration": ({**NONAKTIF, "tgl_nonaktif": "31/01/2020"},
                                        {"tgl_nonaktif_not_before_tgl_kepesertaan"}),
    "registered_before_birth": ({"tgl_kepesertaan": "14/05/1990"},
                                {"tgl_kepesertaan_not_before_tgl_lahir"}),
    "both_dates_after_month_end_in_reverse": (
        {**NONAKTIF, "tgl_kepesertaan": "05/03/2026", "tgl_nonaktif": "01/03/2026"},
        {"tgl_kepesertaan_not_after_month_end", "tgl_nonaktif_not_after_month_end",
         "tgl_nonaktif_not_before_tgl_kepesertaan"}),
    # a day no calendar has is a format error only, whatever it would have rolled over to
    "registered_on_29_02_of_a_common_year": ({"tgl_kepesertaan": "29/02/2026"},
                                             {"tgl_kepesertaan_date"}),
    "deactivated_on_30_02": ({**NONAKTIF, "tgl_nonaktif": "30/02/2019"},
                             {"tgl_nonaktif_date"}),
    "born_on_31_02_after_registration": ({"tgl_lahir": "31/02/2021"}, {"tgl_lahir_date"}),
    # the bounds are inclusive
    "registered_on_the_month_s_last_day": ({"tgl_kepesertaan": "28/02/2026"}, set()),
    "deactivated_on_the_registration_day": ({**NONAKTIF, "tgl_nonaktif": "01/02/2020"}, set()),
    "deactivated_on_the_month_s_last_day": ({**NONAKTIF, "tgl_nonaktif": "28/02/2026"}, set()),
    "registered_on_the_birth_day": ({"tgl_kepesertaan": "15/05/1990"}, set()),
}
HONEST = 12


@pytest.fixture
def delivered(world):
    """The month re-delivered: valid participants, then one row per case (line = index + 2)."""
    rows = month_rows(PERIODE, HONEST)
    lines = {}
    for i, (case, (change, _)) in enumerate(sorted(CASES.items()), start=HONEST + 1):
        rows.append(row(periode=PERIODE, kpj=f"{100 + i:011d}", nik=nik(100 + i),
                        nama=f"Peserta {i}", kode_desa=rows[0]["kode_desa"], **change))
        lines[case] = i + 1
    enrollment_file(world, PERIODE, rows)
    result = process_month(world, PERIODE)
    load(world, [PERIODE], run_id="date-rules")
    return result, lines, rows


def test_each_impossible_date_is_quarantined_with_its_rule(world, delivered):
    result, lines, rows = delivered
    found = quarantine_view.query(world.lake, "enrollment", partition=PERIODE)
    got: dict[int, set[str]] = {}
    for line, rule in zip(found["row_number"], found["rule"], strict=True):
        got.setdefault(int(line), set()).add(rule)
    want = {lines[case]: rules for case, (_, rules) in CASES.items() if rules}
    assert got == want
    # the quarantine view points at the column the rule names, with its value
    single = found[found["row_number"] == lines["registered_after_month_end"]]
    assert single[["column", "value"]].values.tolist() == [["tgl_kepesertaan", "01/03/2026"]]
    single = found[found["row_number"] == lines["deactivated_before_registration"]]
    assert single[["column", "value"]].values.tolist() == [["tgl_nonaktif", "31/01/2020"]]
    assert result["rows_read"] == len(rows) == result["rows_valid"] + result["rows_quarantined"]
    assert result["rows_quarantined"] == len(want)
    per_rule = {}
    for rules in want.values():
        for rule in rules:
            per_rule[rule] = per_rule.get(rule, 0) + 1
    assert {r: n for r, n in result["rule_counts"].items() if n} == per_rule


def test_the_rest_of_the_month_is_loaded(world, delivered):
    result, lines, rows = delivered
    quarantined = {lines[case] for case, (_, rules) in CASES.items() if rules}
    want = sorted(r["kpj"] for line, r in enumerate(rows, start=2) if line not in quarantined)
    wh = warehouse.connect(world.warehouse_url, read_only=True)
    try:
        loaded = wh.query("SELECT kpj, tgl_kepesertaan, tgl_nonaktif "
                          "FROM core.fct_participant_month WHERE periode = :p ORDER BY kpj",
                          {"p": PERIODE})
    finally:
        wh.close()
    assert loaded["kpj"].tolist() == want
    assert result["rows_valid"] == len(want) == HONEST + 4  # the four boundary rows
    last_day = loaded["kpj"] == rows[lines["registered_on_the_month_s_last_day"] - 2]["kpj"]
    assert str(loaded.loc[last_day, "tgl_kepesertaan"].iloc[0])[:10] == "2026-02-28"
