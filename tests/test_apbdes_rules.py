"""Every APBDes rule of the contract on tiny hand-made lines, and the older-export quirks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ucj.contracts.apbdes import COLUMNS
from ucj.pipeline import apbdes
from ucj.refusal import UnknownDelivery

pytestmark = pytest.mark.usefixtures("row_rules_only")  # rows judged, not deliveries

DESA = "32.13.01.2003"  # Sukamandi, Kecamatan Sagalaherang
KELURAHAN = "32.13.03.1001"  # Parung, Kecamatan Subang

BASE = {
    "tahun": "2026", "kode_desa": DESA, "nama_desa": "Sukamandi", "jenis": "BELANJA",
    "kode_kegiatan": "01.01.03.", "kode_rekening": "5.1.3.01",
    "uraian": "Iuran BPJS Ketenagakerjaan Kepala Desa dan Perangkat Desa", "sumber_dana": "DDS",
    "anggaran": "1872000", "realisasi": "312000", "tgl_update": "2026-03-31",
}
REVENUE = {"jenis": "PENDAPATAN", "kode_kegiatan": "", "kode_rekening": "4.2.1",
           "uraian": "Dana Desa", "anggaran": "1250000000", "realisasi": "500000000"}


def line(**changes) -> dict:
    return {**BASE, **changes}


def write_apbdes(path: Path, lines: list[dict], bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [";".join(COLUMNS)] + [";".join(str(r.get(c, "")) for c in COLUMNS) for r in lines]
    path.write_text(("\ufeff" if bom else "") + "\n".join(rows) + "\n", encoding="utf-8")
    return path


# (rule, the change that must break exactly it)
BREAKS = [
    ("tahun_format", {"tahun": "26"}),
    ("tahun_format", {"tahun": "2026/2027"}),
    ("tahun_matches_file", {"tahun": "2025"}),
    ("kode_desa_known", {"kode_desa": "32.14.01.2001"}),
    ("kode_desa_known", {"kode_desa": "32.13.01"}),  # a kecamatan
    ("kode_desa_is_desa", {"kode_desa": KELURAHAN, "nama_desa": "Parung"}),
    ("jenis_enum", {"jenis": "BELANJA MODAL"}),
    ("jenis_enum", {"jenis": "belanja"}),
    ("kode_kegiatan_format", {"kode_kegiatan": "1.1.3"}),
    ("kode_kegiatan_format", {"kode_kegiatan": "01.01"}),
    ("kode_kegiatan_format", {"kode_kegiatan": "01.01.03.01."}),
    ("kode_kegiatan_required_belanja", {"kode_kegiatan": ""}),
    ("kode_kegiatan_blank_otherwise", {**REVENUE, "kode_kegiatan": "01.01.01."}),
    ("kode_kegiatan_blank_otherwise", {"jenis": "PEMBIAYAAN", "kode_rekening": "6.1.1",
                                       "kode_kegiatan": "01.01.01."}),
    ("kode_rekening_format", {"kode_rekening": "5-1-3-01"}),
    ("kode_rekening_format", {"kode_rekening": "5"}),
    ("kode_rekening_format", {"kode_rekening": "5.1.3.001"}),
    ("kode_rekening_matches_jenis", {"kode_rekening": "4.2.1"}),
    ("kode_rekening_matches_jenis", {**REVENUE, "kode_rekening": "5.2.1"}),
    ("sumber_dana_enum", {"sumber_dana": "APBN"}),
    ("sumber_dana_enum", {"sumber_dana": "DD"}),
    ("anggaran_nonnegative", {"anggaran": "-1872000"}),
    ("anggaran_nonnegative", {"anggaran": "1,872,000"}),
    ("anggaran_nonnegative", {"anggaran": "1.87.200"}),
    ("anggaran_nonnegative", {"anggaran": "satu juta"}),
    ("realisasi_nonnegative", {"realisasi": "-1"}),
    ("realisasi_nonnegative", {"realisasi": "312000.50"}),
    ("tgl_update_date", {"tgl_update": "31/03/2026"}),
    ("tgl_update_date", {"tgl_update": "2026-02-30"}),
    *[(f"{c}_required", {c: ""}) for c in
      ["tahun", "kode_desa", "nama_desa", "jenis", "kode_rekening", "uraian", "sumber_dana",
       "anggaran", "realisasi", "tgl_update"]],
]


def values(column: pd.Series) -> list:
    """A column as a list with None for missing values."""
    return column.astype(object).where(column.notna(), None).tolist()


def _run(tmp_path, lines, name="apbdes_2026.csv"):
    path = write_apbdes(tmp_path / "raw" / name, lines)
    result = apbdes.process(path, tmp_path / "lake", tmp_path / "val")
    return result, pd.read_parquet(result["partition"]), pd.read_parquet(result["quarantine"])


def test_the_base_line_and_a_revenue_line_are_valid(tmp_path):
    result, valid, bad = _run(tmp_path, [BASE, line(**REVENUE)])
    assert (result["rows_read"], result["rows_valid"], result["rows_quarantined"]) == (2, 2, 0)
    assert bad.empty
    assert valid["source_row_number"].tolist() == [2, 3]
    assert values(valid["penerima_premi"]) == ["PERANGKAT_DESA", None]
    assert values(valid["pos_pendapatan"]) == [None, "DANA_DESA"]
    assert Path(result["partition"]).as_posix().endswith("village_budget/tahun=2026")


def test_each_rule_quarantines_its_line_with_that_reason_only(tmp_path):
    lines = [BASE] + [line(**change) for _, change in BREAKS]
    result, valid, bad = _run(tmp_path, lines)
    assert result["rows_read"] == len(lines) == result["rows_valid"] + result["rows_quarantined"]
    assert valid["source_row_number"].tolist() == [2]
    reasons = dict(zip(bad["row_number"], bad["rules"], strict=True))
    for number, (rule, _) in enumerate(BREAKS, start=3):
        got = set(reasons.get(number, "").split(";"))
        assert got == {rule}, (number, rule, got)
    assert bad["source_file"].unique().tolist() == ["apbdes_2026.csv"]
    assert Path(result["quarantine"]).as_posix().endswith("quarantine/village_budget/tahun=2026")


def test_older_export_quirks_are_read(tmp_path):
    old = [
        line(kode_kegiatan="01.01.03", anggaran="1.872.000", realisasi="312.000"),
        line(**{**REVENUE, "anggaran": "1.250.000.000", "realisasi": "0"}),
        line(kode_kegiatan=" 02.03.10 ", kode_rekening="5.3.2.01", uraian="Pembangunan jalan",
             anggaran="  250.000.000", realisasi="7.500"),
    ]
    result, valid, bad = _run(tmp_path, old)
    assert bad.empty, bad.to_dict("records")
    assert values(valid["kode_kegiatan"]) == ["01.01.03.", None, "02.03.10."]
    assert valid["anggaran"].tolist() == [1_872_000, 1_250_000_000, 250_000_000]
    assert valid["realisasi"].tolist() == [312_000, 0, 7_500]
    assert values(valid["penerima_premi"]) == ["PERANGKAT_DESA", None, None]


def test_a_wrong_desa_name_only_warns(tmp_path):
    result, valid, bad = _run(tmp_path, [line(nama_desa="Sukamandi Girang")])
    assert (result["rows_valid"], result["rows_quarantined"]) == (1, 0)
    assert result["rule_counts"] == {"nama_desa_matches": 1}
    assert result["validation_success"]


def test_the_lake_partition_holds_typed_lines_without_the_raw_text(tmp_path):
    _, valid, _ = _run(tmp_path, [BASE])
    assert str(valid["tahun"].dtype) == "int32"
    assert str(valid["anggaran"].dtype) == "int64"
    assert valid["tgl_update"].astype(str).tolist() == ["2026-03-31"]


def test_a_header_that_breaks_the_contract_stops_the_batch(tmp_path):
    from ucj.io.readers import SchemaError

    path = tmp_path / "apbdes_2026.csv"
    path.write_text("tahun;kode_desa;uraian\n2026;32.13.01.2003;x\n")
    with pytest.raises(SchemaError, match="missing column"):
        apbdes.process(path, tmp_path / "lake", tmp_path / "val")


def test_file_names_and_delivered_files(tmp_path):
    folder = tmp_path / "landing" / "village_budget"
    for name in ("apbdes_2025.csv", "apbdes_2026.csv", "readme.txt", "apbdes_26.csv"):
        write_apbdes(folder / name, [BASE])
    found = [Path(f).name for f in apbdes.delivered_files(str(tmp_path / "landing"))]
    # a CSV whose name is no delivery is listed for its own task, which refuses it by name
    assert found == ["apbdes_2025.csv", "apbdes_2026.csv", "apbdes_26.csv"]
    assert apbdes.landing_names(2026) == ["apbdes_2026.csv"]
    with pytest.raises(UnknownDelivery, match="apbdes_26.csv"):
        apbdes.process(folder / "apbdes_26.csv", tmp_path / "lake", tmp_path / "val")
