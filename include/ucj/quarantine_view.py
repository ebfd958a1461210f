"""Quarantined rows, queryable: which file, which row, which rule, which value.

    from ucj import quarantine_view as qv
    qv.query(lake, "enrollment")                      # one line per quarantined row and rule
    qv.query(lake, "enrollment", partition="2026-01", rule="upah_positive")
    qv.rows(lake, "enrollment")                       # the raw rows, one line each
    qv.summary(lake, "enrollment")                    # rows per partition and rule
    qv.export_csv(qv.query(lake, "enrollment"), "quarantine.csv")   # for a spreadsheet

The queries run in an in-memory DuckDB session reading the lake's quarantine Parquet
(``<lake>/quarantine/<source>/<key>=<value>/``, the files of committed partitions' manifests;
a lake on an object store has them fetched into a private temporary folder first), so they
need no warehouse and put nothing personal into one. A partition holds the rows of the latest
delivery of its month or year only: a corrected re-delivery replaces it, and the corrected
rows leave the quarantine.

Personal columns (NIK, name) are masked unless ``personal=True``: every digit shown as ``9``
and every letter as ``X``, which keeps a value's shape (what format rules judge) without the
person. Values are cut to ``max_chars`` (``value_length`` keeps the full length).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from ucj.io import lake as lk

PERSONAL = ("nik", "nama")
META = ("source_file", "row_number", "rules")
# Reader rules whose column is found by looking at the values (see ucj.io.readers).
_LOCATED = {
    "field_too_long": "length({col}) > 4096",
    "control_character": r"regexp_matches({col}, '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')",
}


def partitions(lake: Path | str, source: str) -> list[tuple[str, Path]]:
    """(partition value, data file) of every file of the committed quarantine partitions of
    ``source`` (a month validated in parts has one file per part): the files their manifests
    list; a partition being written, or one swapped out, has none yet."""
    found = []
    for value, folder in lk.committed_partitions(lake, lk.quarantine_dataset(source), "*"):
        found += [(value, f) for f in lk.data_files(folder)]
    return found


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _session(lake, source: str, partition: str | None, scratch: Path):
    """A DuckDB session with the view ``q``; a lake on an object store has its files fetched
    into ``scratch`` first (a private temporary folder: the rows are personal), DuckDB here
    reading local files only."""
    import duckdb

    files = [(value, path) for value, path in partitions(lake, source)
             if partition is None or value == partition]
    local = lk.local_files([path for _, path in files], scratch)
    files = [(value, path) for (value, _), path in zip(files, local, strict=True)]
    con = duckdb.connect(":memory:")
    if not files:
        return con, None
    con.execute("CREATE TEMP TABLE part (file VARCHAR, partition VARCHAR)")
    con.executemany("INSERT INTO part VALUES (?, ?)", [(str(p), v) for v, p in files])
    rel = con.read_parquet([str(p) for _, p in files], filename=True, union_by_name=True,
                           hive_partitioning=False)
    rel.create_view("q_raw")
    columns = [c for c in rel.columns if c not in (*META, "filename")]
    con.execute("CREATE TEMP VIEW q AS SELECT part.partition, q_raw.* EXCLUDE (filename) "
                "FROM q_raw JOIN part ON part.file = q_raw.filename")
    return con, columns


def _shown(col: str, personal: bool, max_chars: int) -> str:
    expr = _ident(col)
    if col in PERSONAL and not personal:
        expr = f"regexp_replace(regexp_replace({expr}, '[0-9]', '9', 'g'), '[^0-9\\s]', 'X', 'g')"
    return f"left({expr}, {int(max_chars)})"


def query(lake: Path | str, source: str, partition: str | None = None,
          rule: str | None = None, personal: bool = False, max_chars: int = 200) -> pd.DataFrame:
    """One line per quarantined row and broken rule: partition, source_file, row_number, rule,
    the column the rule is about (when it is about one) and that column's value."""
    with tempfile.TemporaryDirectory(prefix="ucj-quarantine-") as scratch:
        return _query(lake, source, partition, rule, personal, max_chars, Path(scratch))


def _query(lake, source: str, partition: str | None, rule: str | None, personal: bool,
           max_chars: int, scratch: Path) -> pd.DataFrame:
    con, columns = _session(lake, source, partition, scratch)
    out_cols = ["partition", "source_file", "row_number", "rule", "column", "value",
                "value_length"]
    try:
        if columns is None:
            return pd.DataFrame(columns=out_cols)
        con.execute("CREATE TEMP TABLE rule_column (rule VARCHAR, col VARCHAR)")
        rules = [r for (r,) in con.execute(
            "SELECT DISTINCT unnest(string_split(rules, ';')) FROM q").fetchall()]
        con.executemany("INSERT INTO rule_column VALUES (?, ?)",
                        [(r, _column_of(r, columns)) for r in rules])
        located = " ".join(
            f"WHEN e.rule = {_literal(r)} THEN CASE "
            + " ".join(f"WHEN {test.format(col=_ident(c))} THEN {_literal(c)}" for c in columns)
            + " END" for r, test in _LOCATED.items())
        value = "CASE x.col " + " ".join(
            f"WHEN {_literal(c)} THEN {_shown(c, personal, max_chars)}" for c in columns) + " END"
        length = "CASE x.col " + " ".join(
            f"WHEN {_literal(c)} THEN length({_ident(c)})" for c in columns) + " END"
        sql = f"""
            WITH e AS (SELECT *, unnest(string_split(rules, ';')) AS rule FROM q),
            x AS (SELECT e.*, COALESCE(CASE {located} END, rc.col) AS col
                  FROM e LEFT JOIN rule_column rc ON rc.rule = e.rule)
            SELECT partition, source_file, row_number, rule, col AS "column",
                   {value} AS value, {length} AS value_length
            FROM x WHERE $rule IS NULL OR rule = $rule
            ORDER BY partition, source_file, row_number, rule"""
        return con.execute(sql, {"rule": rule}).df()
    finally:
        con.close()


def _column_of(rule: str, columns: list[str]) -> str | None:
    """The column a rule is about: ``<column>_<what>`` by the naming convention (the longest
    column name that prefixes it); ``field_count`` keeps surplus fields in the last column."""
    if rule == "field_count":
        return columns[-1]
    hits = [c for c in columns if rule == c or rule.startswith(c + "_")]
    return max(hits, key=len) if hits else None


def rows(lake: Path | str, source: str, partition: str | None = None,
         personal: bool = False, max_chars: int = 200) -> pd.DataFrame:
    """The quarantined rows as delivered (one line each), with their ``rules``."""
    with tempfile.TemporaryDirectory(prefix="ucj-quarantine-") as scratch:
        con, columns = _session(lake, source, partition, Path(scratch))
        try:
            if columns is None:
                return pd.DataFrame(columns=["partition", *META])
            shown = ", ".join(f"{_shown(c, personal, max_chars)} AS {_ident(c)}"
                              for c in columns)
            return con.execute(f"SELECT partition, source_file, row_number, rules, {shown} "
                               "FROM q ORDER BY partition, source_file, row_number").df()
        finally:
            con.close()


def summary(lake: Path | str, source: str) -> pd.DataFrame:
    """Quarantined rows per partition and rule."""
    found = query(lake, source, max_chars=0)
    return (found.groupby(["partition", "rule"]).size().rename("rows").reset_index()
            if not found.empty else pd.DataFrame(columns=["partition", "rule", "rows"]))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write a query result for a spreadsheet: a text cell that a spreadsheet would run as a
    formula (starting with = + - @, tab or carriage return) gets a leading apostrophe, so an
    ``=HYPERLINK(...)`` in the data stays text (OWASP CSV injection)."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    safe.to_csv(path, index=False)
    return Path(path)
