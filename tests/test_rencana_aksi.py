"""Rencana aksi UCJ (issue 18): every column of marts.mart_rencana_aksi and the initiatives
mart on the hand-made district of tests/rencana_rows.py, built by the dbt warehouse
(ucj.warehouse.load.refresh) on DuckDB and PostgreSQL, with the plan worked out by hand; a
changed scenario rebuilds every loaded month's plan."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from rencana_rows import (
    KAB,
    KEC_AB,
    KEC_C,
    KEC_K,
    UMK_2026,
    A,
    B,
    C,
    K,
    build_lake,
    expected_desa,
    expected_sum,
)
from ucj import rencana, warehouse, wilayah
from ucj.warehouse import load as wl


def desa_of(kecamatan: str | None) -> list[str]:
    areas = wilayah.load()
    areas = areas[areas["tingkat"].isin(["desa", "kelurahan"])]
    if kecamatan:
        areas = areas[areas["kode_kecamatan"] == kecamatan]
    return list(areas["kode_wilayah"])


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return build_lake(tmp_path_factory.mktemp("rencana_lake"))


def load(w, lake: Path) -> None:
    for i, part in enumerate(wl.enrollment_partitions(lake)):  # a month a run, as Airflow
        wl.refresh(w, lake, [part], f"run-{i}")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def wh(request, lake, tmp_path_factory):
    if request.param == "duckdb":
        w = warehouse.connect(f"duckdb:///{tmp_path_factory.mktemp('rencana') / 'wh.duckdb'}")
        load(w, lake)
        yield w
        w.close()
        return
    from pg_helpers import scratch_database

    with scratch_database() as url:
        w = warehouse.connect(url)
        load(w, lake)
        yield w
        w.close()


def plan(w, code: str, periode: str = "2026-01") -> dict:
    df = w.query("SELECT * FROM marts.mart_rencana_aksi WHERE periode = :p AND kode_wilayah = :c",
                 {"p": periode, "c": code})
    assert len(df) == 1, (code, df)
    return {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
            for k, v in df.iloc[0].to_dict().items()}


def same(got: dict, expected: dict) -> None:
    for col, value in expected.items():
        if value is None:
            assert got[col] is None, col
        elif isinstance(value, str):
            assert got[col] == value, col
        else:
            assert float(got[col]) == pytest.approx(float(value), rel=1e-12), col


@pytest.mark.parametrize("code", [A, B, C, K])
def test_every_column_of_a_desa_plan(wh, code):
    same(plan(wh, code), expected_desa(code))


def test_the_worked_cases(wh):
    a, b, c, k = (plan(wh, x) for x in (A, B, C, K))
    # A: 70 needed (ceil 69.98), 10 covered: 15 at the company, 8 officials, 37 informal
    # workers whose Rp7,459,200 a year exceed 5 % of Rp100 million
    assert (a["peserta_target"], a["kurang"], a["tk_perusahaan"], a["perangkat"],
            a["non_asn"], a["rentan"]) == (70, 60, 15, 8, 0, 37)
    assert (a["biaya_rentan"], a["biaya_rentan_dana_desa"], a["biaya_rentan_lebih"],
            a["desa_melebihi_batas"]) == (7_459_200, 5_000_000, 2_459_200, 1)
    assert a["biaya_tk_perusahaan"] == round(15 * UMK_2026 * 0.0624 * 12)
    assert a["biaya_perangkat"] == round(8 * 2_082_866 * 0.0054 * 12)  # mean pay of 10
    # B: above target (4 needed, 5 covered): no plan, though 4 officials are uncovered
    assert (b["kurang"], b["perangkat_potensi"], b["perangkat"], b["biaya_total"]) == (0, 4, 0, 0)
    # C: the agency's 4 uncovered staff are planned at its seat, not where they live (A)
    assert (c["kurang"], c["tk_perusahaan"], c["perangkat"], c["non_asn"], c["rentan"]) == \
        (32, 8, 12, 4, 8)
    assert (c["desa_melebihi_batas"], c["biaya_rentan_lebih"], c["perusahaan_sponsor"]) == (0, 0, 1)
    # K, a kelurahan: no officials, no Dana Desa - the informal workers go to APBD or CSR
    assert (k["rentan"], k["dana_desa_anggaran"], k["biaya_rentan_lebih"]) == (17, 0, 17 * 201_600)
    assert k["desa_melebihi_batas"] is None


@pytest.mark.parametrize("code,kecamatan", [(KEC_AB, "32.13.01"), (KEC_C, "32.13.02"),
                                            (KEC_K, "32.13.03"), (KAB, None)])
def test_roll_ups_are_sums_of_desa(wh, code, kecamatan):
    codes = desa_of(kecamatan)
    got = plan(wh, code)
    same(got, expected_sum([c for c in codes if c in (A, B, C, K)]) | {
        "desa_wilayah": len(codes), "desa_penyebut": len(codes)}
        | {"desa_dana_desa": sum(1 for c in (A, C) if c in codes)})
    total = got["tk_perusahaan"] + got["perangkat"] + got["non_asn"] + got["rentan"]
    assert total == got["kurang"]
    assert got["biaya_total"] == (got["biaya_pemberi_kerja"] + got["biaya_dana_desa"]
                                  + got["biaya_apbd"] + got["biaya_apbd_atau_csr"])


def test_kabupaten_totals(wh):
    kab = plan(wh, KAB)
    assert (kab["kurang"], kab["tk_perusahaan"], kab["perangkat"], kab["non_asn"],
            kab["rentan"]) == (109, 23, 20, 4, 62)
    assert kab["desa_melebihi_batas"] == 1


def test_the_scenario_is_stored_on_every_row(wh):
    df = wh.query("SELECT DISTINCT periode, target_coverage, batas_porsi_dana_desa, "
                  "iuran_bpu_bulanan, tarif_jkk, tarif_jkm, gaji_kepala_desa "
                  "FROM marts.mart_rencana_aksi ORDER BY periode")
    assert list(df["periode"]) == ["2025-12", "2026-01"]
    assert list(df["target_coverage"]) == [0.3499, 0.3499]
    assert list(df["iuran_bpu_bulanan"]) == [16800, 16800]
    assert list(df["gaji_kepala_desa"]) == [2426640, 2426640]


def test_without_the_year_s_apbdes_the_cap_is_unknown(wh):
    dec = plan(wh, A, "2025-12")
    assert dec["dana_desa_anggaran"] is None and dec["biaya_rentan_dana_desa"] is None
    assert dec["desa_melebihi_batas"] is None and dec["porsi_rentan_dana_desa"] is None
    assert dec["kurang"] == 70 - 9  # the CSR-funded worker came in January


def inisiatif(w, code: str, periode: str = "2026-01") -> dict:
    df = w.query("SELECT sumber_iuran, peserta_aktif, peserta_bulan_lalu, perubahan "
                 "FROM marts.mart_inisiatif_iuran WHERE periode = :p AND kode_wilayah = :c",
                 {"p": periode, "c": code})
    df = df.astype(object).where(df.notna(), None)
    return {r.sumber_iuran: (r.peserta_aktif, r.peserta_bulan_lalu, r.perubahan)
            for r in df.itertuples()}


def test_initiatives_by_who_pays_with_the_month_before(wh):
    assert inisiatif(wh, KAB) == {
        "PEMBERI_KERJA": (8, 8, 0), "DANA_DESA": (3, 3, 0), "APBD_KABUPATEN": (2, 2, 0),
        "MANDIRI": (4, 4, 0), "CSR": (1, 0, 1), "APBD_PROVINSI": (1, 0, 1)}
    assert inisiatif(wh, A)["CSR"] == (1, 0, 1)
    assert inisiatif(wh, K)["APBD_PROVINSI"] == (1, 0, 1)
    # the first loaded month has no month before
    assert inisiatif(wh, KAB, "2025-12")["MANDIRI"] == (4, None, None)
    # an area's rows add up to its active persons
    total = wh.query("SELECT SUM(peserta_aktif) n FROM marts.mart_inisiatif_iuran "
                     "WHERE periode = '2026-01' AND kode_wilayah = :c", {"c": A})["n"].iloc[0]
    assert total == plan(wh, A)["peserta_aktif"] == 10


def test_a_new_scenario_rebuilds_every_loaded_month(lake, tmp_path, monkeypatch):
    w = warehouse.connect(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    try:
        load(w, lake)
        monkeypatch.setenv(rencana.ENV, '{"target_coverage": "Kemendagri 2025", '
                                        '"batas_porsi_dana_desa": 0.1}')
        wl.refresh(w, lake, [], "new-scenario")  # nothing new delivered
        for periode in ("2025-12", "2026-01"):
            assert plan(w, A, periode)["target_coverage"] == 0.5215
        same(plan(w, A), expected_desa(A, target="0.5215", cap="0.1"))
        same(plan(w, K), expected_desa(K, target="0.5215", cap="0.1"))
        assert plan(w, A)["peserta_target"] == 105  # ceil(104.3)
        # the same scenario again: nothing to rebuild
        with w.transaction() as s:
            from ucj.warehouse import scope

            assert scope.compute(s, lake, []).periodes == []
    finally:
        w.close()


def test_scenario_parameters():
    assert rencana.parameters()["target_coverage"] == 0.3499
    assert rencana.parameters({"target_coverage": "RPJMN 2029"})["target_coverage"] == 0.4392
    assert rencana.from_dag_params({"target_coverage": 50, "batas_dana_desa_persen": 8,
                                    "iuran_bpu_bulanan": None}) == {
        "target_coverage": 0.5, "batas_porsi_dana_desa": 0.08}
    with pytest.raises(KeyError):
        rencana.parameters({"target": 0.4})
    with pytest.raises(ValueError):
        rencana.parameters({"batas_porsi_dana_desa": 5})


# ---------------------------------------------------------------- the report and spreadsheets


def test_the_report_section_shows_the_plan(wh, tmp_path):
    from test_report import Dom
    from ucj.report import browser, html
    from ucj.report.data import collect

    page = tmp_path / "report.html"
    page.write_text(html.render(collect(wh, "2026-01")), encoding="utf-8")
    doms = [Dom(page.read_text())]
    if browser.find() is not None:  # and as headless Chromium renders it
        doms.append(Dom(browser.dump_dom(page)))
    for dom in doms:
        said = dom.by_id["rencana-kalimat"]
        assert "target 34,99 % (RKP 2026)" in said
        assert "109 pekerja lagi: 23 lewat kepatuhan perusahaan, 20 lewat perangkat desa, " \
               "4 lewat non-ASN, 62 lewat pekerja rentan" in said
        kab = expected_sum([A, B, C, K])
        assert html.rupiah(kab["biaya_total"]).replace("\u00a0", " ") in said
        assert html.rupiah(kab["biaya_apbd_atau_csr"]).replace("\u00a0", " ") in said
        # kecamatan ranked by persons missing, with their totals
        bars = dom.marks["rencana-aksi"]
        assert bars[:3] == [("Sagalaherang", 60.0), ("Cisalak", 32.0), ("Subang", 17.0)]
        assert len(bars) == 30 and all(v == 0 for _, v in bars[3:])
        assert dom.by_id["rencana-desa-melebihi"] == "1"


def test_the_stacked_bars_split_each_kecamatan_by_channel(wh):
    from ucj.report import rencana as section
    from ucj.report.data import collect

    svg_text = section.section(collect(wh, "2026-01").rencana)
    assert ('data-label="Cisalak" data-segment="non-ASN" data-value="4.0"' in svg_text)
    assert ('data-label="Sagalaherang" data-segment="pekerja rentan" data-value="37.0"'
            in svg_text)
    assert "Sukamandi" in svg_text  # the desa over the cap


def test_one_spreadsheet_per_kecamatan_reads_back_the_plan(wh, tmp_path):
    from openpyxl import load_workbook
    from ucj.report import rencana as section

    paths = section.write_workbooks(wh, tmp_path, "2026-01")
    assert len(paths) == 30
    book = load_workbook(section.workbook_path(tmp_path, "2026-01", KEC_AB))
    rows = list(book["Rencana aksi"].iter_rows(values_only=True))
    header = list(rows[3])
    table = {r[0]: dict(zip(header, r, strict=True)) for r in rows[4:]}
    columns = dict(section.SHEET_COLUMNS)
    assert len(table) == len(desa_of(KEC_AB)) + 1  # its desa and the total
    for code, expected in ((A, expected_desa(A)), (B, expected_desa(B)),
                           (KEC_AB, expected_sum([A, B]))):
        for col, header_text in columns.items():
            if col in expected:
                value = table[code][header_text]
                if expected[col] is None:
                    assert value is None, (code, col)
                else:
                    assert value == pytest.approx(expected[col]), (code, col)
    assert table[A]["Desa/kelurahan"] == "Sukamandi"
