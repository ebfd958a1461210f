"""The fast CSV path (pyarrow.csv on plain blocks) and byte ranges give exactly what the exact
path (the csv module, line by line) gives: the same frames, or the same error.

Real files in tmp_path: a generated month, hand-made malformed files and randomly mixed ones.
Small ``chunk_rows`` make the fast path cut a file into many blocks."""

from __future__ import annotations

import codecs
import csv
import io
import random
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from enrollment_rows import BASE
from ucj.contracts.enrollment import COLUMNS, DELIMITER, UPPER_CASE
from ucj.io import readers
from ucj.io.readers import HARD_FIELD_CHARS, READ_ISSUE, ROW_NUMBER, fast, plan_parts
from ucj.io.readers import parts as byte_ranges

HEADER = DELIMITER.join(COLUMNS)
CHUNKS = (1, 4, 1_000)


# -- helpers ----------------------------------------------------------------------------------


def rec(i: int, **changes) -> str:
    """A record as an export writes it: a value holding the delimiter, a quote or a line
    break is quoted."""
    r = {**BASE, "kpj": f"{i:011d}", **changes}
    out = io.StringIO()
    csv.writer(out, delimiter=DELIMITER, lineterminator="").writerow([r[c] for c in COLUMNS])
    return out.getvalue()


def raw(i: int, **changes) -> str:
    """A record joined as is: no quoting, whatever the values hold."""
    r = {**BASE, "kpj": f"{i:011d}", **changes}
    return DELIMITER.join(r[c] for c in COLUMNS)


def body(*middle: str, before: int = 12, after: int = 12) -> list[str]:
    """Valid records around ``middle``: blocks before and after it are plain."""
    return [rec(i) for i in range(before)] + list(middle) + [rec(500 + i) for i in range(after)]


def text_file(lines: list[str], header: str = HEADER, end: str = "\n", final: bool = True,
              bom: bool = False) -> bytes:
    text = end.join([header, *lines]) + (end if final else "")
    return (codecs.BOM_UTF8 if bom else b"") + text.encode()


def outcome(path: Path, chunk_rows: int = readers.DEFAULT_CHUNK_ROWS, columns=COLUMNS,
            delimiter: str = DELIMITER, upper=UPPER_CASE, **options):
    """The concatenated frame (None when no chunk), or (error type, message)."""
    try:
        chunks = list(readers.read_csv_chunks(path, columns, delimiter, upper, chunk_rows,
                                              **options))
    except readers.ReadError as exc:
        return type(exc), str(exc)
    assert all(len(chunk) <= chunk_rows for chunk in chunks)
    return pd.concat(chunks) if chunks else None


def assert_same(got, want) -> None:
    if isinstance(want, tuple) or isinstance(got, tuple) or want is None or got is None:
        assert got == want
        return
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_index_type=True,
                                  check_column_type=True)
    assert got.index.dtype == want.index.dtype == "int64"
    assert list(got.dtypes) == list(want.dtypes)
    # None and NaN would pass assert_frame_equal as equal in an object column.
    assert [repr(v) for v in got[READ_ISSUE]] == [repr(v) for v in want[READ_ISSUE]]
    assert got[ROW_NUMBER].is_monotonic_increasing


def assert_fast_is_exact(path: Path, chunk_rows: int, **options) -> None:
    want = outcome(path, chunk_rows, exact=True, **options)
    assert_same(outcome(path, chunk_rows, **options), want)


def read_parts(path: Path, parts, exact: bool = False, **options):
    """The parts read one by one and concatenated, or the first error."""
    frames = []
    for part in parts:
        got = outcome(path, byte_range=part, exact=exact, **options)
        if isinstance(got, tuple):
            return got
        if got is not None:
            frames.append(got)
    return pd.concat(frames) if frames else None


def whole(path: Path, **options):
    """The whole-file result as byte ranges give it: no NoDataRows (require_rows is the
    caller's check then)."""
    got = outcome(path, exact=True, **options)
    return None if isinstance(got, tuple) and got[0] is readers.NoDataRows else got


def write(tmp_path: Path, data: bytes, name: str = "kepesertaan_202601.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- a generated month ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    from ucj_sample import generate

    folder = tmp_path_factory.mktemp("month")
    generate(folder, ["2026-01"], 20_000, seed=3)
    return folder / "enrollment" / "kepesertaan_202601.csv"


@pytest.mark.parametrize("chunk_rows", [997, 5_000, readers.DEFAULT_CHUNK_ROWS])
def test_generated_month_fast_equals_exact(month, chunk_rows):
    want = outcome(month, chunk_rows, exact=True)
    assert len(want) > 20_000
    assert_same(outcome(month, chunk_rows), want)


def test_generated_month_takes_the_fast_path(month):
    """Every block is parsed by pyarrow: the equality above is no fallback's."""
    data = month.read_bytes()
    start = data.index(b"\n") + 1
    blocks = list(fast.parsed_blocks(month, start, None, 100_000, COLUMNS, DELIMITER))
    assert len(blocks) > 5
    assert all(b.table is not None and not b.spans for b in blocks)
    assert sum(b.lines for b in blocks) == data.count(b"\n") - 1


def test_generated_month_in_parts(month):
    parts = plan_parts(month, 3_000)
    assert len(parts) == 7
    data = month.read_bytes()
    assert parts[0] == (data.index(b"\n") + 1, parts[1][0], 2)
    for (_, end, first), (start, _, next_first) in zip(parts, parts[1:], strict=False):
        assert end == start and next_first == first + 3_000
    assert parts[-1][1] == len(data)
    for start, end, _ in parts[:-1]:
        assert data.count(b"\n", start, end) == 3_000 and data[end - 1:end] == b"\n"
    want = outcome(month, exact=True)
    assert_same(read_parts(month, parts), want)
    assert_same(read_parts(month, parts, exact=True), want)


# -- hand-made files --------------------------------------------------------------------------

CASES = {
    "plain": text_file(body()),
    "bom": text_file(body(), bom=True),
    "crlf": text_file(body(), end="\r\n"),
    "mixed_line_ends": ("\r\n".join([HEADER, *body()[:10]]) + "\n" + "\n".join(body()[10:])
                        + "\r\n").encode(),
    "no_final_newline": text_file(body(), final=False),
    "short_last_line_without_newline": text_file(body(after=0) + ["2026-01;1"], final=False),
    "blank_lines": text_file(body("", "", rec(50), "")),
    "blank_lines_at_end": text_file(body(after=3) + ["", "", ""]),
    "crlf_blank_lines": text_file(body("", "", "  "), end="\r\n"),
    "whitespace_lines": text_file(body("   ", "\t", "\xa0\u3000 ", "\x1c\x1d")),
    "only_delimiters": text_file(body(";" * 16, ";" * 3, " ; ;\t;" + ";" * 13, ";" * 20)),
    "all_fields_whitespace": text_file(body(";".join([" "] * 17), ";".join(["\u2003"] * 17))),
    "too_many_fields": text_file(body(rec(50) + ";extra;more", rec(51) + ";x")),
    "too_few_fields": text_file(body("2026-01;00000000051;3213011505900001", "x")),
    "trailing_delimiters": text_file(body(rec(50) + ";;", rec(51) + "; ;\t")),
    "quoted_delimiter": text_file(body(rec(50, nama="Asep; Jr"))),
    "quoted_newline": text_file(body(rec(50, nama="Asep\nSunandar"), rec(51, nama="A\r\nB"))),
    "quoted_doubled_quote": text_file(body(rec(50, nama='Asep "Ucup" S'))),
    "stray_quote_mid_field": text_file(body(raw(50, nama='Asep "Ucup" S'))),
    "unbalanced_quote": text_file(body(raw(50, nama='"Asep'))),
    "quote_only_late": text_file(body(after=300) + [rec(900, nama="Late; quoted\nvalue")]),
    "bare_cr_in_value": text_file(body(raw(50, nama="Asep\rSunandar"))),
    "bare_cr_line_ends": text_file(body(raw(50) + "\r" + raw(51), raw(52) + "\r")),
    "bare_cr_at_end": text_file(body()) + b"\r",
    "control_characters": text_file(body(raw(50, nama="As\x01ep"), raw(51, nama="\x1cAsep\x1f"),
                                         raw(52, npp="\x7f"), raw(53, nama="A\x0bB"),
                                         raw(54, nama="\x0c"), raw(55, kpj="1\x1b"))),
    "nul_bytes": text_file(body(raw(50, nama="A\x00B"), raw(51, npp="\x00"), "\x00")),
    "field_too_long": text_file(body(raw(50, nama="Z" * 5_000), raw(51, nama="Y" * 1_000_000),
                                     raw(52, nama="é" * 3_000))),
    "lower_case_codes": text_file(body(raw(50, jenis_kelamin="l", segmen="pu", status="aktif"),
                                       raw(51, kategori=" swasta ", program="jkk+jkm"),
                                       raw(52, status="ñé", sumber_iuran="straße"))),
    "non_ascii": text_file(body(raw(50, nama="Siti Ñurhaliza"), raw(51, nama="李 小龍"))),
    "whitespace_around_values": text_file(body(raw(50, nama="  Asep\t", kpj=" 00000000050 "),
                                               raw(51, npp="\u3000", nama="\xa0Asep\u2003"),
                                               raw(52, tgl_nonaktif="\x85"))),
    "null_lookalikes": text_file(body(raw(50, npp="NA", tgl_nonaktif="null", nama="None"),
                                      raw(51, npp="nan", nama="N/A"))),
    "bom_inside": text_file(body(raw(50, nama="\ufeffAsep"), "\ufeff" + raw(51))),
    "reordered_header": text_file([";".join(reversed(r.split(";"))) for r in body()],
                                  header=";".join(reversed(COLUMNS))),
    "upper_case_header": text_file(body(), header=HEADER.upper()),
    "header_cells_padded": text_file(body(), header=" ; ".join(COLUMNS)),
    "header_trailing_delimiter": text_file([r + ";" for r in body()], header=HEADER + ";"),
    "header_quoted": text_file(body(), header='"periode";' + HEADER.split(";", 1)[1]),
    "header_bare_cr": text_file(body(), header=HEADER + "\r"),
    "blank_lines_before_header": b"\n \n" + text_file(body()),
    "title_rows_above_header": text_file(["Januari 2026", HEADER, *body()],
                                         header="Data Kepesertaan"),
    "wrong_delimiter": text_file([r.replace(";", ",") for r in body()],
                                 header=HEADER.replace(";", ",")),
    "empty": b"",
    "only_blank_lines": b"\r\n\r\n",
    "header_only": text_file([]),
    "header_only_without_newline": HEADER.encode(),
    "header_and_blank_lines": text_file(["", ";;;", "  "]),
    "invalid_utf8_middle": text_file(body(after=0)) + b"2026-01;\xff\xfe;x\n" + text_file(body())[
        len(HEADER) + 1:],
    "invalid_utf8_late": text_file(body(after=300)) + raw(1).encode()[:30] + b"\xc3(" + b"\n",
    "truncated_utf8_at_end": text_file(body()) + raw(1).encode()[:30] + b"\xc3",
    "latin1": text_file(body(raw(50, nama="Asép"))).decode().encode("latin-1"),
    "utf16": text_file(body(raw(50, nama="Siti Ñurhaliza"))).decode().encode("utf-16"),
    "utf16le_no_bom": text_file(body()).decode().encode("utf-16-le"),
    "utf16be_bom": codecs.BOM_UTF16_BE + text_file(body()).decode().encode("utf-16-be"),
}


@pytest.mark.parametrize("chunk_rows", CHUNKS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file_fast_equals_exact(tmp_path, case, chunk_rows):
    assert_fast_is_exact(write(tmp_path, CASES[case]), chunk_rows)


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file_in_parts(tmp_path, case):
    path = write(tmp_path, CASES[case])
    want = whole(path)
    try:
        plans = [plan_parts(path, rows, block_bytes=size) for rows, size in ((3, 7), (5, 1 << 20))]
    except readers.ReadError as exc:  # an empty or undecodable first line
        assert (type(exc), str(exc)) == want
        return
    for parts in plans:
        assert parts and parts[-1][1] == path.stat().st_size
        assert_same(read_parts(path, parts), want)
        assert_same(read_parts(path, parts, exact=True), want)


def kpjs(frame) -> list:
    """(row number, kpj) of the rows holding a kpj: what the duplicate count reads."""
    if frame is None or isinstance(frame, tuple):
        return frame
    rows = frame[frame["kpj"].notna()]
    return list(zip(rows[ROW_NUMBER], rows["kpj"], strict=True))


@pytest.mark.parametrize("case", sorted(CASES))
def test_keeping_one_column_reads_its_values_as_the_whole_record_does(tmp_path, case):
    """``keep=["kpj"]`` (the first pass counting repeated kpjs) gives every kpj at its row
    number as a full read does, on both paths and in parts."""
    path = write(tmp_path, CASES[case])
    want = kpjs(whole(path))
    try:
        parts = plan_parts(path, 3, block_bytes=7)
    except readers.ReadError:
        return  # refused before any record: test_malformed_file_in_parts
    for exact in (False, True):
        got = read_parts(path, parts, exact=exact, keep=["kpj"])
        assert kpjs(got) == want
        if not isinstance(got, tuple) and got is not None:
            assert list(got.columns) == [ROW_NUMBER, "kpj", READ_ISSUE]


def test_the_cases_hit_what_they_are_named_for(tmp_path):
    """A few outcomes spelled out, so the equalities above do not compare two wrong things."""
    got = outcome(write(tmp_path, CASES["quote_only_late"]), 4)
    assert got[ROW_NUMBER].iloc[-1] == 314 and got["nama"].iloc[-1] == "Late; quoted\nvalue"
    got = outcome(write(tmp_path, CASES["blank_lines"]), 4)
    assert got[ROW_NUMBER].tolist()[11:15] == [13, 16, 18, 19]
    got = outcome(write(tmp_path, CASES["too_many_fields"]), 4)
    assert got.loc[14, "iuran"] == "400000;extra;more" and got.loc[14, READ_ISSUE] == "field_count"
    error = outcome(write(tmp_path, CASES["invalid_utf8_late"]), 4)
    assert error[0] is readers.EncodingError and ", line 314: not valid UTF-8" in error[1]
    got = outcome(write(tmp_path, CASES["lower_case_codes"]), 4)
    assert got.loc[14, "status"] == "AKTIF" and got.loc[15, "kategori"] == "SWASTA"
    got = outcome(write(tmp_path, CASES["control_characters"]), 4)
    assert got.loc[15, "nama"] == "Asep" and got.loc[15, READ_ISSUE] is None  # trimmed off
    assert got.loc[14, READ_ISSUE] == "control_character"


def test_only_the_block_with_an_odd_line_leaves_the_fast_path(tmp_path):
    def blocks(case: str) -> list:
        path = write(tmp_path, CASES[case])
        return list(fast.parsed_blocks(path, len(HEADER) + 1, None, 300, COLUMNS,
                                       DELIMITER))

    odd = blocks("too_many_fields")  # two adjacent lines with a surplus field
    assert len(odd) > 8 and 1 <= sum(b.table is None for b in odd) <= 2
    late = blocks("quote_only_late")
    assert late[-1].spans and all(b.table is not None for b in late[:-1]) and len(late) > 100


def test_fields_at_and_beyond_the_hard_limit(tmp_path):
    at = write(tmp_path, text_file(body(raw(50, nama="H" * HARD_FIELD_CHARS))), "at.csv")
    assert_fast_is_exact(at, 50)
    beyond = write(tmp_path, text_file(body(raw(50, nama="H" * (HARD_FIELD_CHARS + 1)))),
                   "beyond.csv")
    assert_fast_is_exact(beyond, 50)
    assert "field_size" in outcome(beyond)[1]


def test_another_contract_and_delimiter(tmp_path):
    columns = ["tahun", "kode_desa", "penduduk"]
    lines = ["tahun,kode_desa,penduduk", "2026,32.13.01.2003,300", "", "2026,x", ",,",
             "2026,32.13.01.2004,301,9", "2026,\"a,b\",1"]
    path = write(tmp_path, ("\n".join(lines) + "\n").encode(), "t.csv")
    for chunk_rows in (1, 2, 100):
        assert_same(outcome(path, chunk_rows, columns, ",", []),
                    outcome(path, chunk_rows, columns, ",", [], exact=True))


# -- randomly mixed files ---------------------------------------------------------------------


def random_line(rng: random.Random, i: int) -> str:
    kinds = {
        "good": (60, lambda: rec(i)),
        "lower": (5, lambda: raw(i, status="aktif", segmen=" pu")),
        "blank": (4, lambda: ""),
        "spaces": (3, lambda: rng.choice([" ", "\t", "\xa0", " \u3000"])),
        "delimiters": (3, lambda: ";" * rng.randrange(1, 20)),
        "surplus": (3, lambda: rec(i) + rng.choice([";x", ";;", "; ;", ";a;b"])),
        "short": (3, lambda: ";".join(rec(i).split(";")[:rng.randrange(1, 17)])),
        "control": (3, lambda: raw(i, nama=rng.choice(["\x00", "A\x01", "\x1fB", "\x7f"]))),
        "long": (2, lambda: raw(i, nama="L" * rng.choice([4_096, 4_097, 9_000]))),
        "unicode": (3, lambda: raw(i, nama=rng.choice(["Ñurhaliza", "李", "\u2003A\u2003"]))),
        "null_like": (2, lambda: raw(i, npp=rng.choice(["NA", "null", "nan"]))),
        "quoted": (1, lambda: rec(i, nama=rng.choice(["a;b", "a\nb", 'a"b']))),
        "bare_cr": (1, lambda: raw(i, nama="a\rb")),
    }
    kind = rng.choices(list(kinds), [w for w, _ in kinds.values()])[0]
    return kinds[kind][1]()


def random_file(seed: int) -> bytes:
    rng = random.Random(seed)
    out = [(("\ufeff" if rng.random() < 0.3 else "") + HEADER + "\n").encode()]
    for i in range(rng.randrange(0, 160)):
        end = rng.choices(["\n", "\r\n", "\r"], [85, 14, 1])[0]
        out.append((random_line(rng, i) + end).encode())
    if rng.random() < 0.05:
        out.insert(rng.randrange(1, len(out) + 1), b"2026-01;\xe9t\xe9\n")  # Latin-1
    if rng.random() < 0.3:
        out[-1] = out[-1].rstrip(b"\r\n")
    return b"".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_random_files_fast_equals_exact_and_parts_equal_whole(tmp_path, seed, monkeypatch):
    path = write(tmp_path, random_file(seed))
    rng = random.Random(-seed)
    assert_fast_is_exact(path, rng.choice([1, 2, 3, 7, 50]))
    want = whole(path)
    monkeypatch.setattr(byte_ranges, "CUT_SLICE_BYTES", rng.choice([1, 3, 16, 1 << 20]))
    parts = plan_parts(path, rng.choice([1, 3, 10, 40]), block_bytes=rng.choice([5, 64, 4096]))
    assert_same(read_parts(path, parts), want)


@pytest.mark.parametrize("seed", range(20))
def test_line_ends_counted_in_slices_are_those_numpy_finds(seed):
    rng = random.Random(seed)
    block = bytearray(rng.choice(b"ab\n\r;") for _ in range(rng.randint(0, 400)))
    every = rng.randint(1, 9)
    first = rng.randint(0, every - 1)
    ends = [i + 1 for i, byte in enumerate(block) if byte == ord("\n")]
    for slice_bytes in (1, 2, 7, 64, 1 << 20):
        assert byte_ranges._every_nth_line_end(block, first, every, slice_bytes) == (
            ends[first::every], len(ends))


# -- byte ranges ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["plain", "crlf", "blank_lines", "quoted_newline",
                                  "too_many_fields", "bom"])
def test_a_range_holds_the_records_that_start_in_it(tmp_path, case):
    """For every end byte: exactly the records whose first line starts before it, on both
    paths; and from every record start on: the rest."""
    path = write(tmp_path, CASES[case])
    data = path.read_bytes()
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == ord("\n")]  # line starts
    full = outcome(path, exact=True)
    data_start = starts[1]
    for end in range(data_start, len(data) + 1, 97):
        want = full[[starts[n - 1] < end for n in full[ROW_NUMBER]]]
        for exact in (False, True):
            got = outcome(path, 3, byte_range=(data_start, end, 2), exact=exact)
            assert_same(got, want if len(want) else None)
    for n in full[ROW_NUMBER].iloc[::5]:
        want = full[full[ROW_NUMBER] >= n]
        for exact in (False, True):
            assert_same(outcome(path, 3, byte_range=(starts[n - 1], len(data), n), exact=exact),
                        want)


def test_a_range_from_the_file_start_skips_the_header(tmp_path):
    path = write(tmp_path, CASES["bom"])
    assert_same(outcome(path, byte_range=(0, path.stat().st_size, 1)), outcome(path))


def test_a_range_checks_the_header_but_not_that_there_are_rows(tmp_path):
    path = write(tmp_path, CASES["wrong_delimiter"])
    assert outcome(path, byte_range=(50, 60, 3)) == outcome(path)
    path = write(tmp_path, CASES["header_only"])
    assert outcome(path, byte_range=plan_parts(path, 10)[0]) is None


@pytest.mark.parametrize("case", ["quoted_delimiter", "quote_only_late", "bare_cr_in_value",
                                  "bare_cr_at_end", "utf16", "utf16le_no_bom", "utf16be_bom",
                                  "blank_lines_before_header", "header_quoted"])
def test_one_part_where_a_cut_could_fall_inside_a_record(tmp_path, case):
    path = write(tmp_path, CASES[case])
    parts = plan_parts(path, 2, block_bytes=16)
    assert len(parts) == 1 and parts[0][1] == path.stat().st_size
    assert_same(read_parts(path, parts), whole(path))


def test_parts_of_a_crlf_file_cut_after_the_lf(tmp_path):
    path = write(tmp_path, CASES["crlf"])
    data = path.read_bytes()
    for size in (1, 2, 3, 5, 1 << 20):  # CRLF split across read blocks, too
        parts = plan_parts(path, 4, block_bytes=size)
        assert [p[2] for p in parts] == list(range(2, 2 + 4 * len(parts), 4))
        assert all(data[end - 2:end] == b"\r\n" for _, end, _ in parts[:-1])
        assert_same(read_parts(path, parts), outcome(path))


def test_the_header_plan_starts_after_a_bom(tmp_path):
    path = write(tmp_path, CASES["bom"])
    assert plan_parts(path, 1_000) == [(3 + len(HEADER) + 1, path.stat().st_size, 2)]


# -- what the fast path relies on -------------------------------------------------------------


def test_arrow_trims_exactly_what_str_strip_trims():
    """A record the csv module skips as blank is one whose values Arrow trims to nothing."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    trimmed = pc.utf8_trim_whitespace(pa.array(chars)).to_pylist()
    assert {c for c, t in zip(chars, trimmed, strict=True) if t == ""} == \
        {c for c in chars if c.isspace()}


def test_ascii_kernels_equal_utf8_ones_on_plain_ascii():
    chars = [chr(c) for c in range(0x80) if not 0x1C <= c <= 0x1F]
    values = pa.array([a + b + c for a in chars for b in ("x", " ", "") for c in chars])
    assert pc.ascii_trim_whitespace(values).equals(pc.utf8_trim_whitespace(values))
    assert pc.ascii_upper(values).equals(pc.utf8_upper(values))
