"""The quarantine is usable: quarantined rows are queryable by file, row number, rule and
value (ucj.quarantine_view: DuckDB in memory over the lake's quarantine Parquet, no warehouse
involved and no personal data put into one), and a corrected re-delivery of the month takes
the corrected rows out of the quarantine."""

from __future__ import annotations

import csv

import pytest
from ucj import quarantine_view, warehouse

from reliability.helpers import (
    BASE,
    enrollment_file,
    load,
    month_rows,
    process_month,
    row,
)

pytestmark = pytest.mark.usefixtures("row_rules_only")  # rows judged, not deliveries

PERIODE = "2026-02"
FORMULA = '=HYPERLINK("http://evil.example","klik")'


def february(fixed: bool) -> list[dict]:
    rows = month_rows(PERIODE, 10)
    rows[2] = {**rows[2], "upah": "3100000" if fixed else "0"}                   # line 4
    rows[4] = {**rows[4], "kode_desa": rows[4]["kode_desa"] if fixed else "32.99.99.9999"}
    rows[6] = {**rows[6], "tgl_lahir": rows[6]["tgl_lahir"] if fixed else "31/02/1990"}
    rows.append(row(periode=PERIODE, kpj="00000000999", nama=FORMULA, segmen="XX"))  # stays
    return rows


def test_quarantined_rows_by_file_row_rule_and_value(world, tmp_path):
    enrollment_file(world, PERIODE, february(fixed=False))
    process_month(world, PERIODE)
    found = quarantine_view.query(world.lake, "enrollment", partition=PERIODE)
    got = found[["source_file", "row_number", "rule", "column", "value"]].values.tolist()
    assert got == [
        ["kepesertaan_202602.csv", 4, "upah_positive", "upah", "0"],
        ["kepesertaan_202602.csv", 6, "kode_desa_known", "kode_desa", "32.99.99.9999"],
        ["kepesertaan_202602.csv", 8, "tgl_lahir_date", "tgl_lahir", "31/02/1990"],
        ["kepesertaan_202602.csv", 12, "segmen_enum", "segmen", "XX"],
    ]
    # the raw rows, personal columns masked unless asked for
    raw = quarantine_view.rows(world.lake, "enrollment", partition=PERIODE)
    assert raw["nik"].str.fullmatch(r"9{16}").all()
    assert BASE["nik"] in set(quarantine_view.rows(world.lake, "enrollment",
                                                   personal=True)["nik"])
    # exported for a spreadsheet, a formula stays text
    path = quarantine_view.export_csv(quarantine_view.rows(world.lake, "enrollment",
                                                           personal=True), tmp_path / "q.csv")
    with open(path, newline="") as fh:
        names = [r["nama"] for r in csv.DictReader(fh)]
    assert "'" + FORMULA in names and FORMULA not in names


def test_a_corrected_redelivery_takes_the_rows_out_of_the_quarantine(world):
    enrollment_file(world, PERIODE, february(fixed=False))
    process_month(world, PERIODE)
    load(world, [PERIODE], run_id="first")
    assert len(quarantine_view.query(world.lake, "enrollment", partition=PERIODE)) == 4

    enrollment_file(world, PERIODE, february(fixed=True))  # the office re-delivers
    process_month(world, PERIODE)
    load(world, [PERIODE], run_id="corrected")
    left = quarantine_view.query(world.lake, "enrollment", partition=PERIODE)
    assert left[["row_number", "rule"]].values.tolist() == [[12, "segmen_enum"]]
    assert quarantine_view.summary(world.lake, "enrollment").query(
        f"partition == '{PERIODE}'")["rows"].sum() == 1
    assert set(quarantine_view.query(world.lake, "enrollment")["partition"]) == {PERIODE}

    wh = warehouse.connect(world.warehouse_url, read_only=True)
    try:
        n = wh.query("SELECT count(*) AS n FROM core.fct_participant_month "
                     "WHERE periode = :p", {"p": PERIODE})["n"][0]
        personal = wh.query("SELECT table_schema, table_name, column_name "
                            "FROM information_schema.columns "
                            "WHERE column_name = 'nik' OR (column_name = 'nama' "
                            "AND table_name <> 'dim_wilayah')")  # there: the region's name
        audit = wh.query("SELECT rows_read, rows_valid, rows_quarantined, rows_loaded "
                         "FROM audit.run_audit WHERE run_id = 'corrected'")
    finally:
        wh.close()
    assert n == 10  # the corrected rows are in the warehouse now
    assert personal.empty  # no NIK or person's name in any warehouse table
    assert audit.values.tolist() == [[11, 10, 1, 10]]
