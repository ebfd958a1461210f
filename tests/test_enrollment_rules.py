"""Every enrollment rule of the contract on tiny hand-made rows."""

from __future__ import annotations

import pandas as pd
import pytest
from enrollment_rows import BASE, row, write_csv
from ucj.pipeline import enrollment

pytestmark = pytest.mark.usefixtures("row_rules_only")  # rows judged, not deliveries

# (rule, the change that must break exactly it)
BREAKS = [
    ("periode_format", {"periode": "2026-1"}),
    ("periode_format", {"periode": "2026/01"}),
    ("periode_matches_file", {"periode": "2026-02"}),
    ("kpj_format", {"kpj": "1234567890"}),
    ("nik_format", {"nik": "321301150590001"}),  # 15 digits
    ("nik_format", {"nik": "3213011505900000"}),  # serial 0000
    ("nik_format", {"nik": "3213013205900001"}),  # day 32
    ("nik_matches_tgl_lahir", {"tgl_lahir": "16/05/1990"}),
    ("nik_matches_jenis_kelamin", {"jenis_kelamin": "P"}),
    ("tgl_lahir_date", {"tgl_lahir": "31/02/1990"}),
    ("jenis_kelamin_enum", {"jenis_kelamin": "X"}),
    ("segmen_enum", {"segmen": "PBI"}),
    ("kategori_enum", {"kategori": "ASN"}),
    ("status_enum", {"status": "MENINGGAL"}),
    ("sumber_iuran_enum", {"sumber_iuran": "APBN"}),
    ("npp_format", {"npp": "1234567"}),
    ("npp_required_pu", {"npp": ""}),
    ("npp_blank_bpu_pmi", {"segmen": "BPU", "kategori": "PEKERJA_RENTAN", "upah": "1000000",
                           "program": "JKK+JKM", "sumber_iuran": "MANDIRI", "iuran": "16800"}),
    ("kode_desa_known", {"kode_desa": "32.14.01.2001"}),
    ("kode_desa_known", {"kode_desa": "32.13.01"}),  # a kecamatan, not a desa
    ("upah_positive", {"upah": "0"}),
    ("upah_positive", {"upah": "-5"}),
    ("upah_positive", {"upah": "tiga juta"}),
    ("program_set", {"program": "JKK+JKN"}),
    ("program_set", {"program": "JKK+JKK"}),
    ("program_set", {"program": "JKK,JKM"}),
    ("tgl_kepesertaan_date", {"tgl_kepesertaan": "2020-02-01"}),
    ("tgl_nonaktif_date", {"status": "NONAKTIF", "iuran": "0", "tgl_nonaktif": "31/04/2025"}),
    ("tgl_nonaktif_blank_when_aktif", {"tgl_nonaktif": "01/01/2026"}),
    # the file is kepesertaan_202601.csv: its month ends on 31/01/2026; BASE registered 01/02/2020
    ("tgl_kepesertaan_not_after_month_end", {"tgl_kepesertaan": "01/02/2026"}),
    ("tgl_nonaktif_not_after_month_end", {"status": "NONAKTIF", "iuran": "0",
                                          "tgl_nonaktif": "01/02/2026"}),
    ("tgl_nonaktif_not_before_tgl_kepesertaan", {"status": "NONAKTIF", "iuran": "0",
                                                 "tgl_nonaktif": "31/01/2020"}),
    ("tgl_kepesertaan_not_before_tgl_lahir", {"tgl_kepesertaan": "14/05/1990"}),  # born 15/05
    ("iuran_nonnegative", {"iuran": "-1"}),
    ("iuran_zero_when_nonaktif", {"status": "NONAKTIF", "tgl_nonaktif": "01/01/2026"}),
    *[(f"{c}_required", {c: ""}) for c in
      ["periode", "kpj", "nik", "nama", "tgl_lahir", "jenis_kelamin", "segmen", "kategori",
       "kode_desa", "upah", "program", "status", "tgl_kepesertaan", "sumber_iuran", "iuran"]],
]


IMPLIED: dict[str, set[str]] = {}  # rules that may fail together with another


def _run(tmp_path, rows, name="kepesertaan_202601.csv", **kw):
    path = write_csv(tmp_path / "raw" / name, rows, **kw)
    result = enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    valid = pd.read_parquet(result["partition"])
    bad = pd.read_parquet(result["quarantine"])
    return result, valid, bad


def test_the_base_row_is_valid(tmp_path):
    result, valid, bad = _run(tmp_path, [BASE])
    assert (result["rows_read"], result["rows_valid"], result["rows_quarantined"]) == (1, 1, 0)
    assert bad.empty and valid["kpj"].tolist() == ["00000000001"]


def test_each_rule_quarantines_its_row_with_that_reason_only(tmp_path):
    # One file: the base row plus one broken row per case, each with its own kpj and NIK serial.
    rows = [BASE]
    for i, (_, change) in enumerate(BREAKS, start=2):
        r = row(kpj=f"{i:011d}", nik=BASE["nik"][:12] + f"{i:04d}")
        rows.append({**r, **change})
    result, valid, bad = _run(tmp_path, rows)
    assert result["rows_read"] == len(rows) == result["rows_valid"] + result["rows_quarantined"]
    assert valid["source_row_number"].tolist() == [2]
    reasons = dict(zip(bad["row_number"], bad["rules"], strict=True))
    for line, (rule, _) in enumerate(BREAKS, start=3):
        got = set(reasons.get(line, "").split(";"))
        assert got == {rule} | IMPLIED.get(rule, set()), (line, rule, got)


NONAKTIF = {"status": "NONAKTIF", "iuran": "0"}


def test_date_order_boundaries_are_valid(tmp_path):
    """The bounds are inclusive: registered on the month's last day or on the day of birth,
    deactivated on the registration day or on the month's last day."""
    days = [
        {"tgl_kepesertaan": "31/01/2026"},
        {"tgl_kepesertaan": "15/05/1990"},  # BASE is born 15/05/1990
        {**NONAKTIF, "tgl_nonaktif": BASE["tgl_kepesertaan"]},
        {**NONAKTIF, "tgl_nonaktif": "31/01/2026"},
        {**NONAKTIF, "tgl_kepesertaan": "31/01/2026", "tgl_nonaktif": "31/01/2026"},
    ]
    rows = [row(kpj=f"{i:011d}", nik=BASE["nik"][:12] + f"{i:04d}", **change)
            for i, change in enumerate(days, start=1)]
    result, _, bad = _run(tmp_path, rows)
    assert bad.empty, bad[["row_number", "rules"]].values.tolist()
    assert result["rows_valid"] == len(rows)


def test_the_month_end_is_the_file_month_s_last_day(tmp_path):
    """February of a leap year ends on the 29th; the month is the file name's."""
    feb = {"periode": "2024-02"}
    rows = [row(kpj="00000000001", **feb, tgl_kepesertaan="29/02/2024"),
            row(kpj="00000000002", nik=BASE["nik"][:12] + "0002", **feb,
                tgl_kepesertaan="01/03/2024"),
            row(kpj="00000000003", nik=BASE["nik"][:12] + "0003", **feb, **NONAKTIF,
                tgl_nonaktif="01/03/2024")]
    _, valid, bad = _run(tmp_path, rows, name="kepesertaan_202402.csv")
    assert valid["source_row_number"].tolist() == [2]
    assert bad[["row_number", "rules"]].values.tolist() == [
        [3, "tgl_kepesertaan_not_after_month_end"], [4, "tgl_nonaktif_not_after_month_end"]]


@pytest.mark.parametrize("change,rule", [
    # each would break a date-order rule if it were read as a date (31/02 rolled into March)
    ({"tgl_kepesertaan": "31/02/2026"}, "tgl_kepesertaan_date"),
    ({"tgl_kepesertaan": "2026-03-01"}, "tgl_kepesertaan_date"),
    ({"tgl_kepesertaan": "01/13/1980"}, "tgl_kepesertaan_date"),
    ({"tgl_kepesertaan": ""}, "tgl_kepesertaan_required"),
    ({**NONAKTIF, "tgl_nonaktif": "31/02/2026"}, "tgl_nonaktif_date"),
    ({**NONAKTIF, "tgl_nonaktif": "00/01/2019"}, "tgl_nonaktif_date"),
    ({"tgl_lahir": "31/02/2021"}, "tgl_lahir_date"),
])
def test_a_malformed_date_breaks_only_its_own_rule(tmp_path, change, rule):
    _, valid, bad = _run(tmp_path, [BASE, row(kpj="00000000002", **change)])
    assert valid["source_row_number"].tolist() == [2]
    assert bad[["row_number", "rules"]].values.tolist() == [[3, rule]]


def test_an_enrollment_file_month_is_a_calendar_month():
    from ucj.contracts.enrollment import month_end, periode_of_file

    assert periode_of_file("kepesertaan_202612.xlsx") == "2026-12"
    assert month_end("2026-12") == 20261231 and month_end("2100-02") == 21000228
    for name in ("kepesertaan_202613.csv", "kepesertaan_202600.csv"):
        with pytest.raises(ValueError, match="not an enrollment file name"):
            periode_of_file(name)


def test_kpj_repeated_in_the_file_quarantines_every_copy(tmp_path):
    other = row(nik="3213015505900002", jenis_kelamin="P", nama="Euis")
    _, valid, bad = _run(tmp_path, [BASE, row(kpj="00000000009"), other])
    assert sorted(bad["row_number"]) == [2, 4]
    assert set(bad["rules"]) == {"kpj_unique"}
    assert valid["source_row_number"].tolist() == [3]


def test_kpj_uniqueness_spans_chunks(tmp_path):
    rows = [row(kpj=f"{i:011d}", nik=BASE["nik"][:12] + f"{i:04d}") for i in range(1, 6)]
    rows.append(row(kpj="00000000001", nik=BASE["nik"][:12] + "0099"))
    path = write_csv(tmp_path / "kepesertaan_202601.csv", rows)
    result = enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k", chunk_rows=2)
    bad = pd.read_parquet(result["quarantine"])
    assert sorted(bad["row_number"]) == [2, 7]


def test_unknown_nik_region_only_warns(tmp_path):
    result, valid, _ = _run(tmp_path, [row(nik="9913011505900001")])
    assert result["rows_valid"] == 1
    assert result["rule_counts"] == {"nik_region_known": 1}


def test_quirks_are_read(tmp_path):
    quirky = row(segmen="pu ", status="aktif", kategori="swasta", program="jp+jht+jkm+jkk",
                 nama="Asep  ", sumber_iuran="pemberi_kerja")
    result, valid, bad = _run(tmp_path, [quirky], bom=True, trailer="\n\n")
    assert bad.empty, bad["rules"].tolist()
    got = valid.iloc[0]
    assert (got["segmen"], got["status"], got["program"]) == ("PU", "AKTIF", "JKK+JKM+JHT+JP")
    assert bool(got["has_jp"]) and not bool(got["has_jkp"])


def test_women_have_day_plus_40(tmp_path):
    woman = row(nik="3213015505900002", jenis_kelamin="P", tgl_lahir="15/05/1990")
    result, _, _ = _run(tmp_path, [woman])
    assert result["rows_valid"] == 1


def test_valid_rows_carry_no_nik_or_name(tmp_path):
    _, valid, bad = _run(tmp_path, [BASE, row(kpj="00000000002", upah="0")])
    assert not {"nik", "nama"} & set(valid.columns)
    assert len(valid["person_key"].iloc[0]) == 32
    assert BASE["nik"] not in valid.to_string()
    assert bad["nik"].tolist() == [BASE["nik"]]  # the quarantine keeps the raw row


def test_xlsx_with_title_rows(tmp_path):
    from openpyxl import Workbook
    from ucj.contracts.enrollment import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append(["Data Kepesertaan BPJS Ketenagakerjaan"])
    ws.append(["Kantor Cabang Subang, Januari 2026"])
    ws.append(COLUMNS)
    ws.append([BASE[c] or None for c in COLUMNS])
    ws.append([row(kpj="00000000002", segmen="XX")[c] or None for c in COLUMNS])
    path = tmp_path / "kepesertaan_202601.xlsx"
    wb.save(path)
    result = enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    bad = pd.read_parquet(result["quarantine"])
    assert result["rows_valid"] == 1
    assert bad[["row_number", "rules"]].values.tolist() == [[5, "segmen_enum"]]


@pytest.mark.parametrize("header_change", ["drop", "extra", "rename"])
def test_header_drift_is_refused_naming_the_columns(tmp_path, header_change):
    from ucj.contracts.enrollment import COLUMNS
    from ucj.io.readers import SchemaError

    cols = list(COLUMNS)
    if header_change == "drop":
        cols.remove("iuran")
    elif header_change == "extra":
        cols.append("email")
    else:
        cols[cols.index("upah")] = "gaji"
    path = tmp_path / "kepesertaan_202601.csv"
    path.write_text(";".join(cols) + "\n")
    with pytest.raises(SchemaError) as err:
        enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    message = str(err.value)
    assert "kepesertaan_202601.csv" in message
    assert {"drop": "iuran", "extra": "email", "rename": "gaji"}[header_change] in message
