"""Files, headers and reference tables are exactly as the contracts describe them."""

from __future__ import annotations

import csv
import io

import pandas as pd
from openpyxl import load_workbook

from .generate_checks import COLUMNS, MONTHS, XLSX_MONTH, raw_rows

BOM = b"\xef\xbb\xbf"


def test_one_enrollment_file_per_month(landing):
    names = sorted(p.name for p in (landing / "enrollment").iterdir())
    expected = sorted(
        f"kepesertaan_{m.replace('-', '')}.{'xlsx' if m == XLSX_MONTH else 'csv'}" for m in MONTHS
    )
    assert names == expected


def test_csv_header_and_dialect(enrollment_files):
    csvs = [p for p in enrollment_files if p.suffix == ".csv"]
    for path in csvs:
        data = path.read_bytes()
        text = data.removeprefix(BOM).decode("utf-8")
        lines = text.split("\n")
        assert lines[0] == ";".join(COLUMNS)
        body = [line for line in lines[1:] if line]
        assert all(line.count(";") == len(COLUMNS) - 1 for line in body)
        assert "\r" not in text
    # quirks on some files only: a BOM and blank lines at the end
    assert {p.read_bytes().startswith(BOM) for p in csvs} == {True, False}
    assert any(p.read_bytes().endswith(b"\n\n") for p in csvs)


def test_xlsx_has_title_rows_above_the_header(landing):
    path = landing / "enrollment" / f"kepesertaan_{XLSX_MONTH.replace('-', '')}.xlsx"
    ws = load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(min_row=1, max_row=4, values_only=True))
    assert rows[0][0] and rows[1][0]  # two title rows
    assert list(rows[2][: len(COLUMNS)]) == COLUMNS
    assert rows[3][0] is not None


def test_dates_and_codes_look_like_the_contract(enrollment_files):
    frame = raw_rows(enrollment_files[0])
    kpj = frame["kpj"].str.strip()
    assert (kpj.str.fullmatch(r"\d{11}")).mean() > 0.97
    assert kpj.str.startswith("0").any()  # leading zeros are part of the data
    dates = frame["tgl_kepesertaan"].str.strip()
    assert dates.str.fullmatch(r"\d{2}/\d{2}/\d{4}").mean() > 0.97


def _read_ref(path) -> pd.DataFrame:
    text = path.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_reference_files_per_year(landing):
    names = sorted(p.name for p in (landing / "reference").iterdir())
    assert names == [
        "non_asn_2025.csv", "non_asn_2026.csv", "tenaga_kerja_desa_2025.csv",
        "tenaga_kerja_desa_2026.csv", "umk.csv",
    ]


def test_tenaga_kerja_desa_covers_every_village(landing, desa_codes):
    for year in ("2025", "2026"):
        t = _read_ref(landing / "reference" / f"tenaga_kerja_desa_{year}.csv")
        assert list(t.columns) == [
            "tahun", "kode_desa", "penduduk", "penduduk_usia_kerja", "penduduk_bekerja",
            "jumlah_perangkat_desa",
        ]
        assert set(t["tahun"]) == {year}
        assert len(t) == 253 and set(t["kode_desa"]) == desa_codes
        n = t.drop(columns=["tahun", "kode_desa"]).astype(int)
        assert (n["penduduk_bekerja"] <= n["penduduk_usia_kerja"]).all()
        assert (n["penduduk_usia_kerja"] <= n["penduduk"]).all()
        share = n["penduduk_bekerja"].sum() / n["penduduk"].sum()
        assert 0.49 < share < 0.55
        kelurahan = t["kode_desa"].str.split(".").str[3].str.startswith("1")
        assert (n.loc[kelurahan, "jumlah_perangkat_desa"] == 0).all()
        assert n.loc[~kelurahan, "jumlah_perangkat_desa"].between(10, 13).all()
    # population scales with participants: 1,677,628 at 300,000
    assert abs(n["penduduk"].sum() / 1.01 - 1677628 * 2000 / 300000) < 300


def test_non_asn_agencies(landing):
    t = _read_ref(landing / "reference" / "non_asn_2026.csv")
    assert list(t.columns) == ["tahun", "kode_opd", "nama_opd", "npp", "kode_desa",
                               "jumlah_non_asn"]
    assert len(t) == 25 and t["kode_opd"].is_unique and t["npp"].is_unique
    assert t["npp"].str.fullmatch(r"\d{8}").all()
    assert t["kode_desa"].str.startswith("32.13.03.").all()  # seats in Kecamatan Subang
    assert (t["jumlah_non_asn"].astype(int) > 0).all()


def test_umk_as_given(landing):
    rows = list(csv.reader((landing / "reference" / "umk.csv").open(encoding="utf-8")))
    assert rows == [["tahun", "umk"], ["2024", "3294485"], ["2025", "3508626.53"],
                    ["2026", "3737482"]]
