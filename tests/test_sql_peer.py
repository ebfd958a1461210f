"""The benchmark's SQL peer (benchmarks/sql_peer.py) does the pipeline's job: on the same
file it quarantines the same rows (line numbers) with the same rule names in the same
order, keeps the same values, and writes the same typed, pseudonymised valid rows as
``ucj.pipeline.enrollment.process``; so the benchmark compares like with like.

Checked on a generated month with many planted bad rows (every rule of the generator's
list) and on a hand-made file of the reader's cases (white space, lower case, surplus and
missing fields, control characters, long fields, blank lines, a shuffled header) and of the
typing cases (amounts the lake's decimal cannot hold). Rules the peer cannot express exactly
(``sql_peer.NOT_EXPRESSED``, empty today) are left out of the comparison, by name.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from ucj import wilayah
from ucj.contracts import enrollment as contract
from ucj.pipeline import enrollment
from ucj.validation.rules import ERROR, WARNING
from ucj_sample import generate

pytestmark = pytest.mark.usefixtures("row_rules_only")  # files of many bad rows

ROOT = Path(__file__).resolve().parent.parent
SECRET = "peer-test-secret"
PERIODE = "2026-01"


@pytest.fixture(scope="module")
def peer():
    spec = importlib.util.spec_from_file_location("sql_peer", ROOT / "benchmarks" / "sql_peer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _without_unexpressed(rules: str, unexpressed) -> str:
    return ";".join(r for r in rules.split(";") if r not in unexpressed)


def compare(peer, raw_file: Path, work: Path) -> tuple[dict, dict]:
    """Run both on ``raw_file``; assert the same quarantine, valid rows and rule counts."""
    ours = enrollment.process(raw_file, work / "lake", work / "validation", SECRET)
    theirs = peer.run(raw_file, work / "peer", SECRET)
    unexpressed = set(peer.NOT_EXPRESSED)

    def quarantine(table: pa.Table) -> list[tuple]:
        rows = table.select(["row_number", "rules", *contract.COLUMNS]).to_pylist()
        out = [(r["row_number"], _without_unexpressed(r["rules"], unexpressed),
                *(r[c] for c in contract.COLUMNS)) for r in rows]
        return sorted(r for r in out if r[1])

    ours_bad = pq.read_table(ours["quarantine"])
    theirs_bad = pq.read_table(theirs["quarantine"])
    assert quarantine(theirs_bad) == quarantine(ours_bad)
    assert set(theirs_bad.column("source_file").to_pylist()) == {raw_file.name}

    # rows quarantined only for a rule the peer leaves out are valid there: not compared
    left_out = {r["row_number"] for r in ours_bad.select(["row_number", "rules"]).to_pylist()
                if not _without_unexpressed(r["rules"], unexpressed)}

    def valid(table: pa.Table) -> pa.Table:
        table = table.select(enrollment.SCHEMA.names).cast(enrollment.SCHEMA)
        keep = pc.invert(pc.is_in(table["source_row_number"],
                                  pa.array(sorted(left_out), pa.int64())))
        return table.filter(keep).sort_by("source_row_number")

    ours_valid = valid(pq.read_table(ours["partition"]))
    theirs_valid = valid(pq.read_table(theirs["valid"]))
    assert theirs_valid.num_rows == ours_valid.num_rows
    for name in enrollment.SCHEMA.names:  # column by column: a failure names the column
        assert theirs_valid[name].equals(ours_valid[name]), name

    counts = {k: v for k, v in ours["rule_counts"].items() if k not in unexpressed}
    warnings = {k: v for k, v in theirs["warnings"].items() if v}  # the report omits zeros
    assert {**theirs["rule_counts"], **warnings} == counts
    assert theirs["rows_read"] == ours["rows_read"]
    return ours, theirs


def test_the_peer_knows_the_contract(peer):
    """Its constants, rules (names and order) and warnings are the contract's."""
    for name in ("COLUMNS", "REQUIRED", "UPPER_CASE", "JENIS_KELAMIN", "SEGMEN", "KATEGORI",
                 "STATUS", "SUMBER_IURAN", "PROGRAMS", "NIK", "NIK_PROVINCE", "PERIODE",
                 "POSITIVE", "NON_NEGATIVE", "ZERO"):
        assert getattr(peer, name) == getattr(contract, name), name
    suite = contract.rules(PERIODE, wilayah.village_codes())
    errors = [r.name for r in suite if r.severity == ERROR]
    expressed = [name for name, _ in peer.error_rules(PERIODE, wilayah.village_codes())]
    assert expressed == [r for r in errors if r not in peer.NOT_EXPRESSED]
    assert set(peer.NOT_EXPRESSED) <= set(errors)
    assert all(peer.NOT_EXPRESSED.values())  # each with its reason
    assert list(peer.WARNINGS) == [r.name for r in suite if r.severity == WARNING]
    patterns = {r.name: r.expectation.regex for r in suite
                if type(r.expectation).__name__ == "ExpectColumnValuesToMatchRegex"}
    assert patterns == {
        "periode_format": peer.PERIODE, "kpj_format": peer.KPJ, "nik_format": peer.NIK,
        "nik_region_known": peer.NIK_PROVINCE, "npp_format": peer.NPP,
        "upah_positive": peer.POSITIVE, "program_set": contract.PROGRAM_SET,
        "iuran_nonnegative": peer.NON_NEGATIVE, "iuran_zero_when_nonaktif": peer.ZERO}
    con = __import__("duckdb").connect()
    assert peer.village_codes(con) == wilayah.village_codes()
    assert peer.month_end(PERIODE) == "2026-01-31"


def test_the_program_sets_are_the_patterns_values(peer):
    """The program rule as a list: every value listed matches the contract's pattern, and
    values near them do not (repeats, unknown programs, stray '+')."""
    accepted = peer.program_sets()
    assert len(accepted) == 325
    pattern = re.compile(contract.PROGRAM_SET)
    assert all(pattern.search(v) for v in accepted)
    near = {v + s for v in accepted for s in ("+JKK", "+", "+JKN", "X")} | {
        "+" + v for v in accepted} | {"JKK+JKK", "JKK JKM", "jkk"}
    assert not [v for v in near - set(accepted) if pattern.search(v)]
    assert accepted["JP+JKK+JKM"] == "JKK+JKM+JP"


def test_the_peer_trims_what_the_reader_trims(peer):
    """Its white space is the set Arrow trims (the reader's utf8_trim_whitespace)."""
    codes = [c for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array([chr(c) + "a" for c in codes])).to_pylist()
    assert {chr(c) for c, t in zip(codes, trimmed, strict=True) if t == "a"} == \
        set(peer.WHITESPACE)
    # and what Python's str.strip takes away (the reader's test of blank surplus fields)
    assert {chr(c) for c in codes if not chr(c).strip()} == set(peer.WHITESPACE)


def test_a_generated_month_gives_the_pipelines_lake(peer, tmp_path):
    landing = tmp_path / "landing"
    generate(landing, [PERIODE], 3000, seed=7, bad_share=0.25)
    raw_file = landing / "enrollment" / "kepesertaan_202601.csv"
    ours, theirs = compare(peer, raw_file, tmp_path)
    # the planted bad rows: every rule the generator plants was quarantined and compared
    from ucj_sample.bad_rows import ALL_KINDS

    planted = set(ALL_KINDS) - set(peer.NOT_EXPRESSED)
    assert planted <= set(theirs["rule_counts"])
    assert theirs["rows_quarantined"] > 700 and theirs["rows_valid"] > 2000


BASE = {
    "periode": "2026-01", "nik": "3213011505900001", "nama": "Asep Sunandar",
    "tgl_lahir": "15/05/1990", "jenis_kelamin": "L", "segmen": "PU", "kategori": "SWASTA",
    "npp": "00012345", "kode_desa": "32.13.01.2003", "upah": "3737482",
    "program": "JKK+JKM+JHT+JP", "status": "AKTIF", "tgl_kepesertaan": "01/02/2020",
    "tgl_nonaktif": "", "sumber_iuran": "PEMBERI_KERJA", "iuran": "400000",
}
NONAKTIF = {"status": "NONAKTIF", "tgl_nonaktif": "01/06/2021", "iuran": "0"}
WOMAN = {"nik": "3213015505900001", "jenis_kelamin": "P"}
EDGE_ROWS = [
    {},  # valid as it is
    {"nama": " \tAsep\u00a0", "segmen": "pu ", "kode_desa": "32.13.01.2003\u3000",
     "program": " jkk+jkm"},  # trimmed, upper-cased: valid
    {"program": "JP+JKK+JKM"}, {"program": "JKK+JKK"}, {"program": "JKK+"},
    {"program": "JKK+JKN+JHT"}, WOMAN, {**WOMAN, "jenis_kelamin": "L"},
    {"nik": "9913011505900001"},  # an unknown province: a warning, valid
    {"nik": "3213013105900001"}, {"nik": "32130115059000011"}, {"tgl_lahir": "16/05/1990"},
    {"tgl_lahir": "29/02/1990", "nik": "3213012902900001"},
    {"tgl_lahir": "29/02/2000", "nik": "3213012902000001"},
    {"tgl_lahir": "01/01/0000", "nik": "3213010101000001", "tgl_kepesertaan": "01/01/0001"},
    {"periode": "2026-1"}, {"periode": "2025-12"}, {"periode": ""},
    {"nama": "   "}, {"npp": ""}, {"segmen": "BPU"}, {"segmen": "BPU", "npp": ""},
    {"npp": "1234567"}, {"kode_desa": "32.13.99.9999"}, {"upah": "0"}, {"upah": "0.00"},
    {"upah": "1.500"}, {"upah": "0001500000"}, {"upah": "1.005"}, {"upah": "12,5"},
    {"upah": "99999999999999999"}, {"upah": "9999999999999999.99"},
    {"iuran": "0.001"}, {"iuran": "-5"}, {**NONAKTIF}, {**NONAKTIF, "iuran": "5"},
    {**NONAKTIF, "tgl_nonaktif": "01/01/2019"}, {**NONAKTIF, "tgl_nonaktif": "01/02/2026"},
    {**NONAKTIF, "tgl_nonaktif": "31/04/2021"}, {"tgl_nonaktif": "01/06/2021"},
    {"tgl_kepesertaan": "01/02/2026"}, {"tgl_kepesertaan": "01/01/1980"},
    {"status": "aktif"}, {"status": "AKTIV"}, {"kategori": "PNS", "sumber_iuran": "APBD"},
    {"jenis_kelamin": "X"}, {"nama": "Asep\x01Sunandar"}, {"kpj": "0000000000\x02"},
    {"nama": "A" * 5000}, {"kpj": "A" * 5000, "nama": "Asep\x07"},
    {"kpj": "000000000\x03", "nama": "B" * 4100},
    {"kpj": "00000000777"}, {"kpj": "00000000777"},  # repeated
    {"kpj": "00000000888"},  # repeated by a record of too many fields, below
    {"kpj": ""}, {"kpj": "123"},
]
HEADER = ["kpj", *[c for c in contract.COLUMNS if c not in ("kpj", "iuran")], "iuran"]
SHUFFLED = [HEADER[i] for i in (3, 0, 16, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)]


def _line(row: dict, header: list[str]) -> str:
    return ";".join(row[c] for c in header)


def test_the_readers_and_typing_cases(peer, tmp_path):
    """Hand-made: the reader's marks and their order, surplus and missing fields, blank
    lines, a header in another order, amounts the lake cannot hold, rare dates."""
    header = SHUFFLED
    rows = [{**BASE, "kpj": f"{i + 1:011d}", **changes} for i, changes in enumerate(EDGE_ROWS)]
    lines = [";".join(header), *(_line(r, header) for r in rows)]
    extra = {**BASE, "kpj": "00000000888"}  # too many fields: its kpj counts all the same
    lines += [
        "",  # a blank line inside the file
        ";;;  ;",  # only delimiters and blanks: no record
        _line({**BASE, "kpj": "00000009001"}, header) + ";;  ;\t",  # blank surplus: valid
        _line(extra, header) + ";surplus;more",  # joined into the last column
        ";".join(_line({**BASE, "kpj": "00000009002"}, header).split(";")[:10]),  # short
        _line({**BASE, "kpj": "00000009003", "nama": "Asep\x01"}, header) + ";x",
        _line({**BASE, "kpj": "00000009004"}, header) + "\t",
    ]
    raw_file = tmp_path / "kepesertaan_202601.csv"
    raw_file.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n\n").encode())
    ours, theirs = compare(peer, raw_file, tmp_path)
    for rule in ("field_count", "field_too_long", "control_character", "type_conversion",
                 "kpj_unique", "program_set", "tgl_lahir_date"):
        assert theirs["rule_counts"].get(rule), rule
    assert theirs["warnings"] == {"nik_region_known": 1}
    assert theirs["rule_counts"]["kpj_unique"] == 3  # 777 twice, 888 beside a shapeless row


def test_a_quoted_file_is_outside_the_peer(peer, tmp_path):
    raw_file = tmp_path / "kepesertaan_202601.csv"
    row = {**BASE, "kpj": "00000000001", "nama": '"Asep; Sunandar"'}
    raw_file.write_text(";".join(contract.COLUMNS) + "\n" + _line(row, contract.COLUMNS) + "\n")
    with pytest.raises(ValueError, match="quote"):
        peer.run(raw_file, tmp_path / "peer", SECRET)


def test_line_numbers_hold_on_a_file_read_in_parallel(peer, tmp_path):
    """A file of several of DuckDB's read buffers (scanned by threads at once): every row's
    number is its line's, valid or quarantined (here the kpj is the line number). The peer
    must not take a line's number from the order rows come out of its joins: they do not
    keep it."""
    raw_file = tmp_path / "kepesertaan_202601.csv"
    rows = 300_000
    template = _line({**BASE, "kpj": "{kpj}", "periode": "{periode}"}, contract.COLUMNS)
    with open(raw_file, "w", encoding="utf-8") as out:
        out.write(";".join(contract.COLUMNS) + "\n")
        for line in range(2, rows + 2):  # every seventh row of another month
            out.write(template.format(kpj=f"{line:011d}",
                                      periode="2025-12" if line % 7 == 0 else PERIODE) + "\n")
    result = peer.run(raw_file, tmp_path / "peer", SECRET, threads=2)
    assert result["rows_read"] == rows
    other_month = sum(1 for line in range(2, rows + 2) if line % 7 == 0)
    assert result["rule_counts"] == {"periode_matches_file": other_month}
    bad = pq.read_table(result["quarantine"], columns=["row_number", "kpj"])
    assert pc.all(pc.equal(pc.cast(bad["kpj"], pa.int64()), bad["row_number"])).as_py()
    good = pq.read_table(result["valid"], columns=["source_row_number", "kpj"])
    assert good.num_rows + bad.num_rows == rows
    assert pc.all(pc.equal(pc.cast(good["kpj"], pa.int64()), good["source_row_number"])).as_py()
