"""A SQL-first peer of the enrollment validation: the same job at DuckDB's speed.

    scripts/env.sh python benchmarks/sql_peer.py RAW_FILE OUT_DIR [--secret S] [--memory-limit 1GB]

The benchmark's reference (``benchmarks/pipeline_bench.py``): what a validator written as
DuckDB SQL costs for what ``ucj.pipeline.enrollment.process`` does with a month's CSV:
every enrollment rule of ``ucj.contracts.enrollment.rules()`` (with the derived columns of
its ``prepare()``) is a predicate here, valid rows are typed and pseudonymised to
``OUT_DIR/valid.parquet`` (the lake's schema), failing rows go to ``OUT_DIR/quarantine.parquet``
with their rule names ``;``-joined in the suite's order, as the pipeline writes them.
tests/test_sql_peer.py checks that it quarantines the same rows with the same names. A
benchmark peer only: nothing in include/ imports it.

How it runs (bounded memory: DuckDB's ``memory_limit``, spilling to ``temp_directory``):

1. The file's lines into a table, as they are (the CSV parser sees one column: a delimiter
   no line holds). A parallel scan straight into a table keeps the file's order, so a
   line's ``rowid`` is its index: ``rowid + 1`` is the physical line number the pipeline
   reports. (DuckDB's CSV reader gives no line number, and ``row_number() OVER ()`` runs
   on one thread.) From here on the number is a column: joins need not keep the order.
2. One parallel pass over the lines: split on ``;``, the fields placed as the pipeline's
   reader does (``ucj.io.readers``: values trimmed, blank = missing, code columns
   upper-cased, ``field_count`` / ``field_too_long`` / ``control_character`` marks) and
   every rule evaluated; into a second table, the first dropped.
3. kpj uniqueness over the whole file: a grouped count of the kpj column.
4. Two COPYs from the table: the valid rows (typed, the person key computed), the rest.

The person key is HMAC-SHA256(secret, NIK), first 32 hex digits, as ``ucj.pseudonym``
computes it. DuckDB has no HMAC function; it is computed in SQL from its definition (RFC
2104) with DuckDB's ``sha256`` over the secret's inner and outer pads (made once here):
``sha256(opad || sha256(ipad || nik))``, four SHA-256 blocks a row where ``ucj.pseudonym``
hashes two (it copies the pads' hashed states, which SQL cannot), but in DuckDB's threads
and without a Python step per row.

Scope: the files the pipeline reads on its fast path (UTF-8 with or without a byte-order
mark, the header on line 1, lines ended by LF or CRLF, no quote character: a quoted field
may hold the delimiter or a line break, which splitting lines cannot read). A file with a
quote, another header on line 1 or bytes that are not UTF-8 is refused with an error; bare
CR line ends are not looked for.
Not in the peer (each is outside the row rules compared): the batch-level expectations
(quarantine share, rows against the previous partition: a few counts once the rows are
done), the validation report and Data Docs, and the lake's atomic partition swap.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

# -- the contract, as SQL (tests/test_sql_peer.py checks these against ucj.contracts) -------

COLUMNS = [
    "periode", "kpj", "nik", "nama", "tgl_lahir", "jenis_kelamin", "segmen", "kategori", "npp",
    "kode_desa", "upah", "program", "status", "tgl_kepesertaan", "tgl_nonaktif",
    "sumber_iuran", "iuran",
]
REQUIRED = [c for c in COLUMNS if c not in ("npp", "tgl_nonaktif")]
UPPER_CASE = ["jenis_kelamin", "segmen", "kategori", "program", "status", "sumber_iuran"]
JENIS_KELAMIN = {"L", "P"}
SEGMEN = {"PU", "BPU", "JAKON", "PMI"}
KATEGORI = {"SWASTA", "NON_ASN", "PERANGKAT_DESA", "PEKERJA_RENTAN", "LAINNYA"}
STATUS = {"AKTIF", "NONAKTIF"}
SUMBER_IURAN = {"PEMBERI_KERJA", "MANDIRI", "APBD_KABUPATEN", "APBD_PROVINSI", "DANA_DESA", "CSR"}
PROGRAMS = ("JKK", "JKM", "JHT", "JP", "JKP")
# The contract's patterns, all RE2 but the program set's (its lookaheads: the rule is a list
# of the values it accepts, program_sets() below). DuckDB's regexp_matches searches, as GX's
# regex expectation does; the patterns anchor themselves.
NIK = (r"^\d{6}(?:0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])(?:0[1-9]|1[0-2])\d{2}"
       r"(?:000[1-9]|00[1-9]\d|0[1-9]\d{2}|[1-9]\d{3})$")
NIK_PROVINCE = r"^(?:1[1-9]|21|3[1-6]|5[1-3]|6[1-5]|7[1-6]|8[1-2]|9[1-7])"
PERIODE = r"^\d{4}-(?:0[1-9]|1[0-2])$"
POSITIVE = r"^(?:\d*[1-9]\d*(?:\.\d+)?|\d+\.\d*[1-9]\d*)$"
NON_NEGATIVE = r"^\d+(?:\.\d+)?$"
ZERO = r"^0+(?:\.0+)?$"
KPJ = r"^\d{11}$"
NPP = r"^\d{8}$"
DATE = r"^\d{2}/\d{2}/\d{4}$"

# The reader's marks (ucj.io.readers): the characters Arrow's utf8_trim_whitespace trims
# (Python's str.strip trims the same set), its control characters, its field limit.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"  # RE2 class
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
MAX_FIELD_CHARS = 4_096
FIELD_COUNT, FIELD_TOO_LONG, CONTROL_CHARACTER = "field_count", "field_too_long", \
    "control_character"
TYPE_CONVERSION = "type_conversion"
# No line of a delivery holds these four bytes (separators of the ASCII control range): the
# CSV parser, given them as its delimiter, hands each line over whole. A line holding them
# would be read as two columns and fail the run, loudly.
LINE_DELIMITER = "\x1c\x1d\x1e\x1f"

# Rules the peer cannot express exactly, with why; tests/test_sql_peer.py leaves them out
# of the comparison. None: every error rule of the suite is a predicate below.
NOT_EXPRESSED: dict[str, str] = {}
# Warnings quarantine nothing; the peer counts them, as the pipeline's report does.
WARNINGS = ("nik_region_known",)

WILAYAH_CSV = (Path(__file__).resolve().parent.parent / "include" / "ucj" / "reference"
               / "wilayah_3213.csv")
LAKE_COMPRESSION = "zstd"  # as the lake's writer (ucj.io.lake)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(_quote(v) for v in sorted(values))})"


def _matches(column: str, pattern: str) -> str:
    return f"regexp_matches({column}, {_quote(pattern)})"


def _breaks(column: str, condition: str) -> str:
    """A value rule: the value is present and does not satisfy ``condition`` (GX skips a
    missing value)."""
    return f"({column} IS NOT NULL AND NOT ({condition}))"


def _date(column: str) -> str:
    """The value as a DATE where it is a real DD/MM/YYYY date, else missing (DuckDB's
    strptime refuses 31/02 and 29/02 of a common year; the pattern, one-digit days)."""
    return f"CASE WHEN {_matches(column, DATE)} THEN try_strptime({column}, '%d/%m/%Y')::DATE END"


def program_sets() -> dict[str, str]:
    """Every value the contract's program rule accepts (each known program at most once,
    '+'-joined in any order: 325 of them), with the set in the contract's order. The rule
    as a list of values: its pattern's lookaheads are not RE2, and a set membership costs
    DuckDB less than splitting every value."""
    from itertools import permutations

    return {"+".join(chosen): "+".join(p for p in PROGRAMS if p in chosen)
            for k in range(1, len(PROGRAMS) + 1) for chosen in permutations(PROGRAMS, k)}


def month_end(periode: str) -> str:
    import calendar

    year, month = (int(p) for p in periode.split("-"))
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def error_rules(periode: str, kode_desa: set[str]) -> list[tuple[str, str]]:
    """(rule name, SQL condition under which a row breaks it), in the suite's order, over
    the columns ``v_<column>`` (read values) and the derived ones of :data:`DERIVED`."""
    kep, non, lahir = "d_tgl_kepesertaan", "d_tgl_nonaktif", "d_tgl_lahir"
    end = f"DATE '{month_end(periode)}'"
    return [
        *[(f"{c}_required", f"v_{c} IS NULL") for c in REQUIRED],
        ("periode_format", _breaks("v_periode", _matches("v_periode", PERIODE))),
        ("periode_matches_file", f"(x_periode IS NOT NULL AND x_periode <> {_quote(periode)})"),
        ("kpj_format", _breaks("v_kpj", _matches("v_kpj", KPJ))),
        ("kpj_unique", None),  # over the whole file: a grouped count, after the scan
        ("nik_format", _breaks("v_nik", "nik_ok")),
        ("nik_matches_tgl_lahir", f"(nik_ok AND {lahir} IS NOT NULL AND x_nik_dob <> x_dob)"),
        ("nik_matches_jenis_kelamin",
         f"(nik_ok AND {_in('v_jenis_kelamin', JENIS_KELAMIN)} AND x_nik_sex <> v_jenis_kelamin)"),
        ("tgl_lahir_date", f"(v_tgl_lahir IS NOT NULL AND {lahir} IS NULL)"),
        ("jenis_kelamin_enum", _breaks("v_jenis_kelamin", _in("v_jenis_kelamin", JENIS_KELAMIN))),
        ("segmen_enum", _breaks("v_segmen", _in("v_segmen", SEGMEN))),
        ("kategori_enum", _breaks("v_kategori", _in("v_kategori", KATEGORI))),
        ("status_enum", _breaks("v_status", _in("v_status", STATUS))),
        ("sumber_iuran_enum", _breaks("v_sumber_iuran", _in("v_sumber_iuran", SUMBER_IURAN))),
        ("npp_format", _breaks("v_npp", _matches("v_npp", NPP))),
        ("npp_required_pu", "(v_segmen = 'PU' AND v_npp IS NULL)"),
        ("npp_blank_bpu_pmi", "(v_segmen IN ('BPU', 'PMI') AND v_npp IS NOT NULL)"),
        ("kode_desa_known", _breaks("v_kode_desa", _in("v_kode_desa", kode_desa))),
        ("upah_positive", _breaks("v_upah", _matches("v_upah", POSITIVE))),
        ("program_set", _breaks("v_program", _in("v_program", program_sets()))),
        ("tgl_kepesertaan_date", f"(v_tgl_kepesertaan IS NOT NULL AND {kep} IS NULL)"),
        ("tgl_nonaktif_date", f"(v_tgl_nonaktif IS NOT NULL AND {non} IS NULL)"),
        ("tgl_nonaktif_blank_when_aktif", "(v_status = 'AKTIF' AND v_tgl_nonaktif IS NOT NULL)"),
        ("tgl_kepesertaan_not_after_month_end", f"({kep} > {end})"),
        ("tgl_nonaktif_not_after_month_end", f"({non} > {end})"),
        ("tgl_nonaktif_not_before_tgl_kepesertaan", f"({non} < {kep})"),
        ("tgl_kepesertaan_not_before_tgl_lahir", f"({kep} < {lahir})"),
        ("iuran_nonnegative", _breaks("v_iuran", _matches("v_iuran", NON_NEGATIVE))),
        ("iuran_zero_when_nonaktif",
         f"(v_status = 'NONAKTIF' AND {_breaks('v_iuran', _matches('v_iuran', ZERO))})"),
    ]


# The derived columns of the contract's prepare(), over the read values: a real date as a
# DATE (else missing), the NIK's birth date digits and sex, the periode when well formed.
DERIVED = [
    *[f"{_date(f'v_{c}')} AS d_{c}" for c in ("tgl_lahir", "tgl_kepesertaan", "tgl_nonaktif")],
    f"coalesce({_matches('v_nik', NIK)}, false) AS nik_ok",
    "CASE WHEN nik_ok THEN TRY_CAST(substr(v_nik, 7, 2) AS INTEGER) END AS nik_day",
    "CASE WHEN nik_day > 40 THEN 'P' ELSE 'L' END AS x_nik_sex",
    "lpad(CAST(nik_day - CASE WHEN nik_day > 40 THEN 40 ELSE 0 END AS VARCHAR), 2, '0')"
    " || substr(v_nik, 9, 4) AS x_nik_dob",
    "substr(v_tgl_lahir, 1, 2) || substr(v_tgl_lahir, 4, 2) || substr(v_tgl_lahir, 9, 2)"
    " AS x_dob",
    f"CASE WHEN {_matches('v_periode', PERIODE)} THEN v_periode END AS x_periode",
]


def _money_untypable(column: str) -> str:
    """A validated amount the lake's decimal(18, 2) cannot hold exactly, as Arrow's cast
    refuses it (the pipeline's ``type_conversion``): more than 16 integer digits, a non-zero
    digit past the second decimal, more than 38 significant digits (Arrow's parse)."""
    integer = f"regexp_extract({column}, '^0*([0-9]*)', 1)"
    fraction = f"regexp_extract({column}, '[.]([0-9]*)$', 1)"
    significant = (f"CASE WHEN {integer} = '' THEN length(ltrim({fraction}, '0')) "
                   f"ELSE length({integer}) + length({fraction}) END")
    exact = (f"coalesce(length({integer}) > 16 OR regexp_matches(substr({fraction}, 3), '[1-9]')"
             f" OR {significant} > 38, false)")
    # looked at only where it can be: an amount of at most 16 characters without a point fits
    return f"CASE WHEN length({column}) > 16 OR contains({column}, '.') THEN {exact} ELSE false END"


def _fields(positions: dict[str, int], width: int) -> list[str]:
    """Each contract column's raw text as the pipeline's reader (``ucj.io.readers``) fits a
    record to the header: by the header's position; surplus fields joined into the last
    column unless they are blank; missing fields missing."""
    surplus = f"array_to_string(f[{width + 1}:], '')"
    surplus_blank = f"CASE WHEN n > {width} THEN {_matches(surplus, f'^{SPACE}*$')} END"
    out = []
    for c in COLUMNS:
        k = positions[c]
        if k < width:
            out.append(f"f[{k}] AS raw_{c}")
        else:
            out.append(f"CASE WHEN n > {width} AND NOT ({surplus_blank}) "
                       f"THEN array_to_string(f[{width}:], ';') ELSE f[{width}] END AS raw_{c}")
    out.append(f"coalesce(n <> {width} AND NOT (n > {width} AND {surplus_blank}), false)"
               " AS field_count")
    # Per value, DuckDB's trim with a set of characters costs microseconds, and a regular
    # expression a fraction of one: the values are looked at only on the lines where some
    # field starts or ends with white space or holds a control character (a few in a hundred
    # in real exports), found by one expression over the line.
    out.append(f"{_matches('line', f'{CONTROL}|(?:^|;){SPACE}|{SPACE}(?:;|$)')} AS marked")
    out.append(f"length(line) > {MAX_FIELD_CHARS} AS long_line")
    return out


def _reader_marks() -> list[str]:
    """Where the reader's field_too_long and control_character first show (an order key:
    columns in contract order, each checked for length, then control characters), missing
    where they do not. Each expression appears once: DuckDB would compute a repeated one for
    every row, outside its CASE."""
    long_at = ", ".join(f"CASE WHEN length(t_{c}) > {MAX_FIELD_CHARS} THEN {2 * i} END"
                        for i, c in enumerate(COLUMNS))
    control_at = ", ".join(f"CASE WHEN {_matches(f't_{c}', CONTROL)} THEN {2 * i + 1} END"
                           for i, c in enumerate(COLUMNS))
    return [f"CASE WHEN long_line THEN least({long_at}) END AS long_at",
            f"CASE WHEN marked THEN least({control_at}) END AS control_at"]


def _reader_issues() -> str:
    """The reader's rules as the pipeline's reader (``ucj.io.readers``) lists them:
    field_count first, then field_too_long and control_character in the order the columns
    first show them."""
    marks = (f"CASE WHEN long_at IS NULL THEN "
             f"  CASE WHEN control_at IS NOT NULL THEN '{CONTROL_CHARACTER}' END "
             f"WHEN control_at IS NULL THEN '{FIELD_TOO_LONG}' "
             f"WHEN long_at < control_at THEN '{FIELD_TOO_LONG};{CONTROL_CHARACTER}' "
             f"ELSE '{CONTROL_CHARACTER};{FIELD_TOO_LONG}' END")
    return (f"nullif(concat_ws(';', CASE WHEN field_count THEN '{FIELD_COUNT}' END, {marks}),"
            " '') AS issues")


def _joined(rules: list[tuple[str, str]]) -> str:
    """The names of the rules a row breaks, ``;``-joined in order (missing if none)."""
    parts = ", ".join(f"CASE WHEN coalesce({cond}, false) THEN '{name}' END"
                      for name, cond in rules)
    return f"nullif(concat_ws(';', {parts}), '')"


def scan_sql(positions: dict[str, int], width: int, periode: str, kode_desa: set[str]) -> str:
    """The one pass over the lines of table ``lines``: every record (the header and blank
    lines left out) with its line number, its values, the reader's marks, whether a row of
    the right shape breaks a rule (``failed``: which ones is asked again of the few that
    do, by :func:`quarantine_sql`), whether it warns, and whether its amounts fit the lake."""
    rules = [cond for _, cond in error_rules(periode, kode_desa) if cond is not None]
    failed = " OR ".join(f"coalesce({cond}, false)" for cond in rules)
    trim = "regexp_replace(raw_{0}, '^{1}+|{1}+$', '', 'g')"
    trimmed = [f"nullif(CASE WHEN marked THEN {trim.format(c, SPACE)} ELSE raw_{c} END, '')"
               f" AS t_{c}" for c in COLUMNS]
    upper = [f"{'upper(' + f't_{c}' + ')' if c in UPPER_CASE else f't_{c}'} AS v_{c}"
             for c in COLUMNS]
    blank = " AND ".join(f"t_{c} IS NULL" for c in COLUMNS)
    warning = _breaks("v_nik", _matches("v_nik", NIK_PROVINCE))
    return f"""
        SELECT line_number, {', '.join(f'v_{c}' for c in COLUMNS)}, field_count, issues,
               contains(line, '"') AS quoted,
               NOT field_count AND ({failed}) AS failed,
               NOT field_count AND coalesce({warning}, false) AS {WARNINGS[0]},
               NOT field_count AND ({_money_untypable('v_upah')}
                                    OR {_money_untypable('v_iuran')}) AS untypable
        FROM (SELECT *, {', '.join(DERIVED)}, {_reader_issues()}
              FROM (SELECT *, {', '.join(upper)}, {', '.join(_reader_marks())}
                    FROM (SELECT *, {', '.join(trimmed)}
                          FROM (SELECT *, {', '.join(_fields(positions, width))}
                                FROM (SELECT rowid + 1 AS line_number, line,
                                             string_split(line, ';') AS f,
                                             len(string_split(line, ';')) AS n
                                      FROM lines WHERE rowid > 0)))))
        WHERE NOT ({blank})
    """


LINES_SQL = ("SELECT line FROM read_csv($file, columns={'line': 'VARCHAR'}, header=false, "
             "delim=$delim, quote='', escape='', auto_detect=false)")


def programs_sql() -> str:
    """The table of accepted program values: the set in the contract's order, its flags."""
    rows = ", ".join(
        f"({_quote(value)}, {_quote(ordered)}, "
        + ", ".join("true" if p in value.split("+") else "false" for p in PROGRAMS) + ")"
        for value, ordered in program_sets().items())
    flags = ", ".join(f"has_{p.lower()}" for p in PROGRAMS)
    return f"SELECT * FROM (VALUES {rows}) AS t(v_program, program, {flags})"


def header_positions(path: Path) -> tuple[dict[str, int], int]:
    """Each contract column's 1-based position in the header on line 1, and the header's
    width (trailing empty cells are spreadsheet noise, as the pipeline's reader says)."""
    with open(path, "rb") as fh:
        first = fh.readline()
    text = first.decode("utf-8-sig").rstrip("\r\n")
    found = [h.replace("\ufeff", "").strip().lower() for h in text.split(";")]
    while found and found[-1] in ("", "nan", "none"):
        found.pop()
    if sorted(found) != sorted(COLUMNS):
        raise ValueError(f"{path}: header does not match the contract: {found}")
    return {c: found.index(c) + 1 for c in COLUMNS}, len(found)


def village_codes(con) -> set[str]:
    rows = con.execute("SELECT kode_wilayah FROM read_csv($f, all_varchar=true) "
                       "WHERE tingkat IN ('desa', 'kelurahan')", {"f": str(WILAYAH_CSV)})
    return {r[0] for r in rows.fetchall()}


def periode_of_file(name: str) -> str:
    import re

    m = re.match(r"^kepesertaan_(\d{4})(0[1-9]|1[0-2])\.csv$", name, re.IGNORECASE)
    if not m:
        raise ValueError(f"{name}: not an enrollment CSV file name")
    return f"{m.group(1)}-{m.group(2)}"


def hmac_pads(secret: str) -> tuple[bytes, bytes]:
    """HMAC's inner and outer keys (RFC 2104; a key longer than SHA-256's block is hashed)."""
    key = secret.encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def valid_sql() -> str:
    """The valid rows in the lake's schema (``ucj.pipeline.enrollment.SCHEMA``): typed, the
    NIK and the name replaced by the person key."""
    money = "CAST({} AS DECIMAL(18, 2))"
    flags = ", ".join(f"has_{p.lower()}" for p in PROGRAMS)
    return f"""
        SELECT v_periode AS periode, v_kpj AS kpj,
               left(sha256($opad || unhex(sha256($ipad || encode(v_nik)))), 32) AS person_key,
               strptime(v_tgl_lahir, '%d/%m/%Y')::DATE AS tgl_lahir,
               v_jenis_kelamin AS jenis_kelamin, v_segmen AS segmen, v_kategori AS kategori,
               v_npp AS npp, v_kode_desa AS kode_desa, {money.format('v_upah')} AS upah,
               program, {flags},
               v_status AS status, v_status = 'AKTIF' AS is_active,
               strptime(v_tgl_kepesertaan, '%d/%m/%Y')::DATE AS tgl_kepesertaan,
               strptime(v_tgl_nonaktif, '%d/%m/%Y')::DATE AS tgl_nonaktif,
               v_sumber_iuran AS sumber_iuran, {money.format('v_iuran')} AS iuran,
               source_row_number
        FROM (SELECT line_number AS source_row_number, * FROM rows
              WHERE issues IS NULL AND NOT failed
                AND NOT untypable AND v_kpj NOT IN (SELECT kpj FROM repeated))
        JOIN programs USING (v_program)
    """


def quarantine_sql(periode: str, kode_desa: set[str]) -> str:
    """The rest, each with its rules: the reader's first, then the suite's in order
    (kpj_unique in its place; the rules asked again of these rows only), and
    ``type_conversion`` for a row that breaks none but cannot be typed."""
    rules = error_rules(periode, kode_desa)
    at = next(i for i, (name, _) in enumerate(rules) if name == "kpj_unique")
    reasons = (f"CASE WHEN field_count THEN issues ELSE nullif(concat_ws(';', issues, "
               f"{_joined(rules[:at])}, CASE WHEN repeated THEN 'kpj_unique' END, "
               f"{_joined(rules[at + 1:])}), '') END")
    return f"""
        SELECT $source_file AS source_file, row_number,
               coalesce({reasons}, '{TYPE_CONVERSION}') AS rules,
               {', '.join(f'v_{c} AS {c}' for c in COLUMNS)}
        FROM (SELECT *, {', '.join(DERIVED)}
              FROM (SELECT line_number AS row_number, *,
                           NOT field_count
                           AND coalesce(v_kpj IN (SELECT kpj FROM repeated), false) AS repeated
                    FROM rows)
              WHERE issues IS NOT NULL OR failed OR untypable OR repeated)
        ORDER BY row_number
    """


def run(raw_file: Path, out_dir: Path, secret: str, memory_limit: str = "1GB",
        threads: int | None = None, source_file: str | None = None) -> dict:
    """Validate ``raw_file`` into ``out_dir``/valid.parquet and quarantine.parquet; the
    counts (rows read, valid, quarantined, per rule, warnings) and the seconds taken."""
    import duckdb

    started = time.time()
    raw_file, out_dir = Path(raw_file), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    periode = periode_of_file(raw_file.name)
    positions, width = header_positions(raw_file)
    with tempfile.TemporaryDirectory(prefix=".sql-peer-", dir=out_dir) as spill:
        config = {"memory_limit": memory_limit, "temp_directory": spill,
                  "preserve_insertion_order": True}  # lines.rowid = the line's index
        if threads:
            config["threads"] = threads
        con = duckdb.connect(config=config)
        try:
            kode_desa = village_codes(con)
            con.execute(f"CREATE TABLE lines AS {LINES_SQL}",
                        {"file": str(raw_file), "delim": LINE_DELIMITER})
            con.execute("CREATE TABLE rows AS " + scan_sql(positions, width, periode, kode_desa))
            con.execute("DROP TABLE lines")
            read, quoted, warned = con.execute(
                f"SELECT count(*), count(*) FILTER (quoted), count(*) FILTER ({WARNINGS[0]}) "
                "FROM rows").fetchone()
            if quoted:
                raise ValueError(f"{raw_file}: {quoted} line(s) hold a quote character: "
                                 "outside the peer's scope (see its docstring)")
            con.execute("CREATE TABLE repeated AS SELECT v_kpj AS kpj FROM rows "
                        "WHERE v_kpj IS NOT NULL GROUP BY v_kpj "
                        "HAVING count(*) > 1")
            con.execute("CREATE TABLE programs AS " + programs_sql())
            inner, outer = hmac_pads(secret)
            valid_file, bad_file = out_dir / "valid.parquet", out_dir / "quarantine.parquet"
            con.execute(f"COPY ({valid_sql()}) TO $out (FORMAT parquet, "
                        f"COMPRESSION {LAKE_COMPRESSION})",
                        {"out": str(valid_file), "ipad": inner, "opad": outer})
            con.execute(f"COPY ({quarantine_sql(periode, kode_desa)}) TO $out (FORMAT parquet, "
                        f"COMPRESSION {LAKE_COMPRESSION})",
                        {"out": str(bad_file), "source_file": source_file or raw_file.name})
            valid = con.execute("SELECT count(*) FROM read_parquet($f)",
                                {"f": str(valid_file)}).fetchone()[0]
            counts = dict(con.execute(
                "SELECT rule, count(*) FROM (SELECT unnest(string_split(rules, ';')) AS rule "
                "FROM read_parquet($f)) GROUP BY rule ORDER BY rule",
                {"f": str(bad_file)}).fetchall())
            quarantined = con.execute("SELECT count(*) FROM read_parquet($f)",
                                      {"f": str(bad_file)}).fetchone()[0]
        finally:
            con.close()
    if read != valid + quarantined:  # every row read ends in exactly one place
        raise AssertionError(f"{raw_file}: {read} read != {valid} + {quarantined}")
    return {"rows_read": read, "rows_valid": valid, "rows_quarantined": quarantined,
            "rule_counts": counts, "warnings": {WARNINGS[0]: warned},
            "valid": str(valid_file), "quarantine": str(bad_file),
            "seconds": round(time.time() - started, 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("raw_file", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--secret", default="benchmark-secret")
    ap.add_argument("--memory-limit", default="1GB")
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    print(json.dumps(run(args.raw_file, args.out_dir, args.secret, args.memory_limit,
                         args.threads), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
