"""Which loaded months a registry extract makes the warehouse rebuild (scope.registry_earliest).

A record answers the months from its WLKP report date (or its change, when earlier). A
record that re-sends a report the warehouse already holds for its company (an address or
status edit carries the last report as it was) changes no headcount before its own change:
rebuilding every loaded month for it made the load of month N grow with N."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ucj import warehouse
from ucj.warehouse.scope import Part, registry_earliest

HELD = ("1234567890123", dt.date(2025, 8, 12), 10)  # nib, tgl_lapor_wlkp, jumlah_tk_wlkp


@pytest.fixture
def wh(tmp_path):
    wh = warehouse.connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    with wh.transaction() as s:
        s.execute("CREATE SCHEMA core")
        s.execute("CREATE TABLE core.dim_company (nib VARCHAR, valid_from TIMESTAMP, "
                  "tgl_lapor_wlkp DATE, jumlah_tk_wlkp BIGINT)")
        s.execute("INSERT INTO core.dim_company VALUES (:nib, TIMESTAMP '2025-08-20', :tgl, :tk)",
                  {"nib": HELD[0], "tgl": HELD[1], "tk": HELD[2]})
    yield wh
    wh.close()


def _extract(tmp_path, rows: list[tuple]) -> Part:
    path = tmp_path / f"extract-{len(list(tmp_path.glob('extract-*')))}.parquet"
    nib, tgl, tk, updated = zip(*rows, strict=True)
    pq.write_table(pa.table({"nib": list(nib), "tgl_lapor_wlkp": list(tgl),
                             "jumlah_tk_wlkp": pa.array(tk, pa.int64()),
                             "updated_at": pa.array(updated, pa.timestamp("us"))}), path)
    return Part("registry", "x", path, None, {})


def _earliest(wh, part):
    with wh.transaction() as s:
        return registry_earliest([part], s)


EDIT = dt.datetime(2026, 8, 1, 6, 45)


def test_a_held_report_resent_by_an_edit_counts_from_the_edit(wh, tmp_path):
    part = _extract(tmp_path, [(*HELD, EDIT)])
    assert _earliest(wh, part) == pd.Timestamp(EDIT)


def test_a_corrected_headcount_or_a_new_report_counts_from_its_report_date(wh, tmp_path):
    corrected = _extract(tmp_path, [(HELD[0], HELD[1], 12, EDIT)])
    assert _earliest(wh, corrected) == pd.Timestamp(HELD[1])
    late = _extract(tmp_path, [(HELD[0], dt.date(2026, 3, 5), 10, EDIT)])
    assert _earliest(wh, late) == pd.Timestamp(2026, 3, 5)


def test_a_new_company_counts_from_its_first_appearance(wh, tmp_path):
    part = _extract(tmp_path, [(*HELD, EDIT), ("9999999999999", dt.date(2025, 9, 1), 3, EDIT)])
    assert _earliest(wh, part) == pd.Timestamp(2025, 9, 1)


def test_before_the_first_load_every_report_counts(tmp_path):
    empty = warehouse.connect(f"duckdb:///{tmp_path / 'empty.duckdb'}")
    try:
        assert _earliest(empty, _extract(tmp_path, [(*HELD, EDIT)])) == pd.Timestamp(HELD[1])
    finally:
        empty.close()
