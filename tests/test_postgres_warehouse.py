"""The PostgreSQL warehouse on a real server: same SQL, same marts as DuckDB, bound parameters,
COPY loads, atomic month replacement under a concurrent reader, and the bi_reader role.

Every test gets its own throw-away database (``pg_helpers.scratch_database``).
"""

from __future__ import annotations

import math
import re
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import test_compliance as tc
from enrollment_rows import write_csv
from pg_helpers import admin_connection, scratch_database, url_for
from psycopg2 import errors
from test_indicators import MONTH, write_reference
from ucj import warehouse
from ucj.config import MissingSecret, sql_dir
from ucj.pipeline import enrollment, reference, registry
from ucj.warehouse import load as wl
from ucj.warehouse import postgres_backend as pgb
from ucj.warehouse.postgres_backend import PostgresWarehouse, grant_bi_reader, to_pyformat

ROOT = Path(__file__).resolve().parent.parent
PERIODE = "2026-01"
# The same month delivered again with different content: P1 gone, P6 moved to C, P7 gone.
CHANGED = "00000000001 00000000002 00000000012".split()


# ---------------------------------------------------------------- fixtures


def _indicator_lake(tmp, rows):
    lake, val = tmp / "lake", tmp / "val"
    write_reference(tmp / "reference")
    for f in sorted((tmp / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    write_csv(tmp / "kepesertaan_202601.csv", [{**r, "periode": PERIODE} for r in rows])
    enrollment.process(tmp / "kepesertaan_202601.csv", lake, val, "secret")
    return lake


@pytest.fixture(scope="module")
def lakes(tmp_path_factory):
    """The hand-made month of test_indicators, and a re-delivery of it with other numbers."""
    first = _indicator_lake(tmp_path_factory.mktemp("lake_a"), MONTH)
    moved = [{**r, "kode_desa": "32.13.02.2001"} if r["kpj"] == "00000000011" else r
             for r in MONTH if r["kpj"] not in CHANGED]
    second = _indicator_lake(tmp_path_factory.mktemp("lake_b"), moved)
    return first, second


@pytest.fixture(scope="module")
def compliance_lake(tmp_path_factory):
    """The two registry extracts and two months of test_compliance."""
    tmp = tmp_path_factory.mktemp("compliance")
    lake, val = tmp / "lake", tmp / "val"
    write_reference(tmp / "reference")
    for f in sorted((tmp / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    registry.process(tc.write_extract(tmp / "r1.jsonl", tc.JAN_REGISTRY), "20260101T000000Z",
                     lake, val)
    registry.process(tc.write_extract(tmp / "r2.jsonl", tc.FEB_REGISTRY), "20260215T000000Z",
                     lake, val)
    jan, feb = tc.build_months()
    for name, rows in (("kepesertaan_202601.csv", jan), ("kepesertaan_202602.csv", feb)):
        enrollment.process(write_csv(tmp / name, rows), lake, val, "secret")
    return lake


@pytest.fixture
def pg_url():
    with scratch_database() as url:
        yield url


@pytest.fixture
def pg(pg_url):
    wh = warehouse.connect(pg_url)
    yield wh
    wh.close()


def scalar(wh, sql, params=None):
    return wh.query(sql, params).iloc[0, 0]


def load(wh, lake, partitions_lake=None, run_id="test-run"):
    return wl.refresh(wh, lake, wl.enrollment_partitions(partitions_lake or lake), run_id)


# ---------------------------------------------------------------- connection and parameters


def test_connect_returns_the_postgres_backend(pg_url):
    for url in (pg_url, pg_url.replace("postgresql://", "postgres://"),
                pg_url.replace("postgresql://", "postgresql+psycopg2://")):
        wh = warehouse.connect(url)
        try:
            assert isinstance(wh, PostgresWarehouse) and wh.backend == "postgres"
            assert wh.query("SELECT 1 AS one")["one"].tolist() == [1]
        finally:
            wh.close()
    reader = warehouse.connect(pg_url, read_only=True)
    try:
        with pytest.raises(errors.ReadOnlySqlTransaction), reader.transaction() as s:
            s.execute("CREATE TABLE nope (a INTEGER)")
    finally:
        reader.close()
    with pytest.raises(ValueError, match="unsupported"):
        warehouse.connect("mysql://x/y")


def test_placeholders_become_pyformat_outside_literals_and_comments():
    sql, names = to_pyformat("SELECT :a::date, '50%' AS p, ':b' AS s, \"x:c\" -- :d\n"
                             "FROM t /* :e */ WHERE v LIKE 'a%' AND w = :f AND r[1:n] = 1")
    assert names == ["a", "f"]
    assert sql == ("SELECT %(a)s::date, '50%%' AS p, ':b' AS s, \"x:c\" -- :d\n"
                   "FROM t /* :e */ WHERE v LIKE 'a%%' AND w = %(f)s AND r[1:n] = 1")
    # Without parameters nothing changes: psycopg2 then leaves % alone.
    assert to_pyformat("SELECT '100%' WHERE x::int > 0") == ("SELECT '100%' WHERE x::int > 0", [])
    assert to_pyformat("DO $$ BEGIN PERFORM :x; END $$")[1] == []


def test_duckdb_binds_the_same_placeholders(tmp_path):
    # One binding for both drivers: DuckDB's $name, the same text left alone.
    wh = warehouse.connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        got = wh.query("SELECT :a::INTEGER + 1 AS n, ':b' AS s, '50%' AS p -- :c\n", {"a": "41"})
        assert got.to_dict("records") == [{"n": 42, "s": ":b", "p": "50%"}]
        with pytest.raises(KeyError, match="'a'"):
            wh.query("SELECT :a AS n", {})
    finally:
        wh.close()


def test_values_travel_as_bound_parameters(pg):
    hostile = "x'; DROP TABLE staging.probe; --"
    with pg.transaction() as s:
        s.execute("CREATE SCHEMA IF NOT EXISTS staging")
        s.execute("CREATE TABLE staging.probe (v VARCHAR, n INTEGER, d DATE, ok BOOLEAN)")
        s.execute("INSERT INTO staging.probe VALUES (:v, :n, :d, :ok)",
                  {"v": hostile, "n": np.int64(7), "d": date(2026, 1, 31), "ok": True})
        s.execute("INSERT INTO staging.probe VALUES (:v, :n, :d, :ok)",
                  {"v": "100% :n ::text", "n": None, "d": None, "ok": False})
    got = pg.query("SELECT v, n, d, ok, v || '%' AS pct, :v::text AS echo "
                   "FROM staging.probe WHERE v = :v OR v LIKE '100%' ORDER BY ok DESC",
                   {"v": hostile})
    assert got["v"].tolist() == [hostile, "100% :n ::text"]
    assert got["pct"].tolist() == [hostile + "%", "100% :n ::text%"]
    assert got["echo"].tolist() == [hostile, hostile]
    assert got.loc[0, "n"] == 7 and got.loc[0, "d"] == date(2026, 1, 31)
    assert scalar(pg, "SELECT to_regclass('staging.probe') IS NOT NULL")
    with pytest.raises(KeyError, match="missing"):
        pg.query("SELECT :missing")


def test_a_failed_transaction_leaves_nothing(pg):
    with pg.transaction() as s:
        s.execute("CREATE TABLE kept (v INTEGER)")
    with pytest.raises(ZeroDivisionError), pg.transaction() as s:
        s.execute("INSERT INTO kept VALUES (1)")
        raise ZeroDivisionError
    with pytest.raises(psycopg2.Error), pg.transaction() as s:
        s.execute("INSERT INTO kept VALUES (2)")
        s.execute("INSERT INTO kept VALUES ('not a number')")
    assert scalar(pg, "SELECT COUNT(*) FROM kept") == 0
    with pg.transaction(), pytest.raises(RuntimeError, match="already open"):
        with pg.transaction():
            pass


# ---------------------------------------------------------------- bulk loads


def _enrollment_like(n: int) -> pa.Table:
    i = np.arange(n)
    text = lambda fmt: pa.array([fmt.format(k) for k in range(n)])  # noqa: E731
    cols = {
        "source_row_number": pa.array(i + 2, pa.int64()),
        "kpj": text("{:011d}"),
        "person_key": text("pk{:062d}"),
        "periode": pa.array(["2026-01"] * n),
        "tgl_lahir": pa.array((i % 15_000).astype("datetime64[D]")),
        "jenis_kelamin": pa.array(np.where(i % 2 == 0, "L", "P")),
        "segmen": pa.array(np.where(i % 3 == 0, "BPU", "PU")),
        "kategori": pa.array(["SWASTA"] * n).dictionary_encode(),
        "npp": pa.array([None if k % 3 == 0 else f"{k % 997:08d}" for k in range(n)]),
        "kode_desa": pa.array(["32.13.01.2003"] * n),
        "upah": pa.array([Decimal(3_737_482 + k % 100) / 100 for k in range(n)],
                         pa.decimal128(18, 2)),
        "program": pa.array(["JKK+JKM"] * n),
        "has_jkk": pa.array(np.ones(n, bool)), "has_jkm": pa.array(np.ones(n, bool)),
        "has_jht": pa.array(i % 2 == 0), "has_jp": pa.array(np.zeros(n, bool)),
        "has_jkp": pa.array(np.zeros(n, bool)),
        "status": pa.array(["AKTIF"] * n),
        "is_active": pa.array(np.ones(n, bool)),
        "tgl_kepesertaan": pa.array((18_000 + i % 1000).astype("datetime64[D]")),
        "tgl_nonaktif": pa.nulls(n, pa.date32()),
        "sumber_iuran": pa.array(["" if k == 5 else "MANDIRI" for k in range(n)]),
        "iuran": pa.array([Decimal("16800.00")] * n, pa.decimal128(18, 2)),
    }
    return pa.table(cols)


def test_copy_loads_a_large_parquet_file_by_column_name(pg, tmp_path):
    n = 200_000
    path = tmp_path / "data.parquet"
    pq.write_table(_enrollment_like(n), path, row_group_size=50_000)
    from ucj import sources
    from ucj.warehouse.stage import _pg_type

    cols = ", ".join(f"{f.name} {_pg_type(f.type)}" for f in sources.ENROLLMENT.lake_schema())
    with pg.transaction() as s:  # as a build stages a month (ucj.warehouse.stage)
        s.execute(f"CREATE TABLE lake_enrollment ({cols}, _partition VARCHAR)")
    started = time.perf_counter()
    with pg.transaction() as s:
        assert s.insert_parquet("lake_enrollment", path) == n
    elapsed = time.perf_counter() - started
    assert scalar(pg, "SELECT COUNT(*) FROM lake_enrollment") == n
    got = pg.query("SELECT * FROM lake_enrollment WHERE kpj IN ('00000000005', '00000199999')"
                   " ORDER BY kpj")
    first = got.iloc[0]
    assert (first["periode"], first["source_row_number"], first["npp"]) == (
        "2026-01", 7, "00000005")
    assert first["sumber_iuran"] == "" and first["tgl_nonaktif"] is None  # empty vs NULL kept
    assert first["upah"] == pytest.approx(37374.87) and first["kategori"] == "SWASTA"
    assert first["tgl_lahir"] == date(1970, 1, 6) and bool(first["has_jht"]) is False
    assert elapsed < 30, f"COPY of {n} rows took {elapsed:.1f} s"


def test_insert_frame_matches_columns_by_name(pg):
    with pg.transaction() as s:
        s.execute("CREATE TABLE t (a INTEGER, b VARCHAR, c DATE, d DOUBLE PRECISION)")
        frame = pd.DataFrame({"d": [1.5, None], "b": ["x,\"y\"\nz", None],
                              "a": [1, 2], "c": [date(2026, 1, 1), None]})
        assert s.insert_frame("t", frame) == 2
        assert s.insert_frame("t", frame.iloc[0:0]) == 0
        with pytest.raises(ValueError, match="no column"):
            s.insert_frame("t", pd.DataFrame({"a": [1], "nope": [2]}))
    got = pg.query("SELECT * FROM t ORDER BY a")
    assert got["b"].tolist()[0] == "x,\"y\"\nz" and pd.isna(got["b"].tolist()[1])
    assert got["d"].tolist()[0] == 1.5 and math.isnan(got["d"].tolist()[1])
    assert got["c"].tolist() == [date(2026, 1, 1), None]


# ---------------------------------------------------------------- same marts on both backends


def _norm(v):
    if v is None or (pd.api.types.is_scalar(v) and not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, Decimal, np.integer, np.floating)):
        return float(v)
    if isinstance(v, (date, datetime, pd.Timestamp)):
        return pd.Timestamp(v).isoformat()
    return v


def _sort_key(row):
    return tuple((v is None, f"{v:.6f}" if isinstance(v, float) else str(v)) for v in row)


# Columns that record when something happened: two loads never agree on them.
VOLATILE = {"marts.mart_pipeline_health": ["loaded_at", "refreshed_at", "hours_since_load",
                                           "days_since_period_end"]}


def table_rows(wh, table: str) -> tuple[list[str], list[tuple]]:
    df = wh.query(f"SELECT * FROM {table}").drop(columns=VOLATILE.get(table, []))
    rows = [tuple(_norm(v) for v in r) for r in df.astype(object).itertuples(index=False)]
    return list(df.columns), sorted(rows, key=_sort_key)


def assert_same_tables(duck, pg, schemas=("marts", "core")):
    listing = ("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
               "WHERE table_schema IN ('marts', 'core') AND table_type = 'BASE TABLE' ORDER BY 1")
    tables = duck.query(listing)["t"].tolist()
    assert tables == pg.query(listing)["t"].tolist()
    assert {t.split(".")[0] for t in tables} == set(schemas)
    for table in tables:
        (dcols, drows), (pcols, prows) = table_rows(duck, table), table_rows(pg, table)
        assert dcols == pcols, table
        assert len(drows) == len(prows), table
        for d, p in zip(drows, prows, strict=True):
            for col, a, b in zip(dcols, d, p, strict=True):
                same = (math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                        if isinstance(a, float) and isinstance(b, float) else a == b)
                assert same, (table, col, d, p)
    return tables


def documented_queries() -> dict[str, str]:
    """docs/warehouse.md's example queries by their heading."""
    text = (ROOT / "docs" / "warehouse.md").read_text()
    queries = {}
    for section in re.split(r"^### (?:Example query: )?", text, flags=re.M)[1:]:
        heading, _, body = section.partition("\n")
        found = re.findall(r"```sql\n(.*?)```", body, re.S)
        if found:
            queries[heading] = found[0]
    assert len(queries) == len(re.findall(r"```sql\n", text))  # every query under a heading
    assert {"UCJ coverage by kecamatan this month", "Top non-compliant companies",
            "the plan per kecamatan this month"} <= queries.keys()
    return {h: q.strip().rstrip(";") for h, q in queries.items()}


def assert_same_answers(duck, pg) -> dict[str, list]:
    """The example queries of docs/warehouse.md answer the same on both backends."""
    answers = {}
    for heading, sql in documented_queries().items():
        d, p = ([tuple(_norm(v) for v in r) for r in wh.query(sql).astype(object).values]
                for wh in (duck, pg))
        assert d == p, sql
        answers[heading] = p
    return answers


def _duckdb(tmp_path):
    return warehouse.connect(f"duckdb:///{tmp_path / 'wh.duckdb'}")


def test_indicator_month_gives_identical_marts_on_duckdb_and_postgres(lakes, pg, tmp_path):
    duck = _duckdb(tmp_path)
    try:
        for wh in (duck, pg):
            load(wh, lakes[0])
        tables = assert_same_tables(duck, pg)
        assert_same_answers(duck, pg)
    finally:
        duck.close()
    assert {"marts.mart_coverage", "marts.mart_village_official_coverage",
            "marts.mart_non_asn_coverage"} <= set(tables)
    # The numbers test_indicators asserts on DuckDB, here on PostgreSQL.
    kab = pg.query("SELECT peserta_aktif, penduduk_bekerja, coverage FROM marts.mart_coverage "
                   "WHERE periode = :p AND kode_wilayah = '32.13'", {"p": PERIODE}).iloc[0]
    assert (kab["peserta_aktif"], kab["penduduk_bekerja"]) == (7, 350)
    assert kab["coverage"] == pytest.approx(0.02)
    assert pg.query("SELECT npp, non_asn_aktif, jumlah_non_asn, coverage FROM "
                    "marts.mart_non_asn_coverage ORDER BY npp").values.tolist() == [
        ["11111111", 2, 4, 0.5], ["22222222", 0, 3, 0.0]]


def test_every_published_table_has_fresh_statistics_after_a_load(lakes, pg, pg_url):
    # The next month's build plans its reads of the published rows on these statistics;
    # without an ANALYZE they were those of before the publish (or none: an empty table).
    from ucj.warehouse import build, dbt

    load(pg, lakes[0])
    models = dbt.publishable(build.target_of(pg_url)[1])
    analysed = set(pg.query(
        "SELECT schemaname || '.' || relname AS name FROM pg_stat_user_tables "
        "WHERE last_analyze IS NOT NULL")["name"])
    published = {f"{m['schema']}.{m['name']}" for m in models}
    assert len(published) >= 20 and published - analysed == set()
    rows = scalar(pg, "SELECT reltuples FROM pg_class WHERE oid = "
                      "'core.fct_participant_month'::regclass")
    assert rows == scalar(pg, "SELECT COUNT(*) FROM core.fct_participant_month") > 0


def test_compliance_months_give_identical_marts_on_duckdb_and_postgres(compliance_lake, pg,
                                                                       tmp_path):
    duck = _duckdb(tmp_path)
    try:
        for wh in (duck, pg):
            load(wh, compliance_lake)
        assert_same_tables(duck, pg)
        answers = assert_same_answers(duck, pg)
    finally:
        duck.close()
    assert scalar(pg, "SELECT COUNT(*) FROM marts.alerts WHERE periode = '2026-02'") == 6
    # top non-compliant companies in February: C2, C3, C5, C6
    assert len(answers["Top non-compliant companies"]) == 4


# ---------------------------------------------------------------- atomic month replacement

FINGERPRINT = """
SELECT 'coverage' AS mart, kode_wilayah AS k, peserta_aktif AS n, coverage AS c
FROM marts.mart_coverage WHERE periode = %(p)s
UNION ALL
SELECT 'official', kode_wilayah, perangkat_aktif, coverage
FROM marts.mart_village_official_coverage WHERE periode = %(p)s
UNION ALL
SELECT 'non_asn', kode_opd, non_asn_aktif, coverage
FROM marts.mart_non_asn_coverage WHERE periode = %(p)s
UNION ALL
SELECT 'persons', kode_desa, COUNT(*), NULL FROM core.fct_person_month WHERE periode = %(p)s
GROUP BY kode_desa
"""


def fingerprint(cur) -> frozenset:
    """The month as one statement sees it (one snapshot across the marts)."""
    cur.execute(FINGERPRINT, {"p": PERIODE})
    return frozenset((m, k, n, None if c is None else round(c, 9)) for m, k, n, c in cur)


class Reader(threading.Thread):
    """A BI client on its own connection, polling the month until told to stop."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.conn = psycopg2.connect(url)
        self.conn.autocommit = True
        self.seen: dict[frozenset, int] = {}
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with self.conn.cursor() as cur:
                while not self.stop.is_set():
                    f = fingerprint(cur)
                    self.seen[f] = self.seen.get(f, 0) + 1
        except BaseException as e:  # reported by the test
            self.error = e
        finally:
            self.conn.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join(30)
        assert self.error is None, self.error


@pytest.fixture
def slow_writes(monkeypatch):
    """Widen every window between a DELETE and the INSERT that follows it in the loads."""
    execute = pgb.PostgresSession.execute

    def slow(self, sql, params=None):
        execute(self, sql, params)
        if "DELETE FROM" in sql:
            time.sleep(0.02)

    monkeypatch.setattr(pgb.PostgresSession, "execute", slow)


def _states(wh, url, lake, first, second):
    """The month's fingerprint after loading ``first``, and after ``second``."""
    out = []
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for partitions in (first, second):
                load(wh, lake, partitions)
                out.append(fingerprint(cur))
    finally:
        conn.close()
    return out


def test_a_concurrent_reader_sees_the_old_month_or_the_new_never_a_mix(lakes, pg, pg_url,
                                                                        slow_writes):
    lake_a, lake_b = lakes
    new, old = _states(pg, pg_url, lake_a, lake_b, lake_a)
    assert old != new and old and new
    with Reader(pg_url) as reader:
        for partitions in (lake_b, lake_a, lake_b, lake_a):
            load(pg, lake_a, partitions)
    assert reader.seen, "the reader never answered"
    strays = [f for f in reader.seen if f not in (old, new)]
    assert not strays, f"reader saw {len(strays)} states that are neither month: {strays[0]}"
    assert set(reader.seen) == {old, new}, "the reader did not overlap the reloads"
    assert sum(reader.seen.values()) > 20


def test_the_reader_check_catches_a_load_outside_one_transaction(lakes, pg, pg_url,
                                                                 slow_writes):
    """The check above can fail: without the transaction the reader sees half-loaded months."""
    lake_a, lake_b = lakes
    new, old = _states(pg, pg_url, lake_a, lake_b, lake_a)
    pg.conn.autocommit = True  # every statement commits on its own
    with Reader(pg_url) as reader:
        load(pg, lake_a, lake_b)
    assert any(f not in (old, new) for f in reader.seen)


# ---------------------------------------------------------------- bi_reader


@pytest.fixture
def bi(bi_reader_role, lakes, pg, pg_url):
    load(pg, lakes[0])
    grant_bi_reader(pg, "bi-secret-for-tests")
    conn = psycopg2.connect(url_for(pg_url.rsplit("/", 1)[1], user="bi_reader"),
                            options="-c default_transaction_read_only=off")
    conn.autocommit = True
    yield conn
    conn.close()


def _fails(conn, sql, error=errors.InsufficientPrivilege):
    with conn.cursor() as cur, pytest.raises(error):
        cur.execute(sql)


def test_bi_reader_selects_every_marts_table(bi, pg):
    marts = pg.query("SELECT table_name FROM information_schema.tables "
                     "WHERE table_schema = 'marts'")["table_name"].tolist()
    assert "mart_coverage" in marts
    with bi.cursor() as cur:
        for table in marts:
            cur.execute(f"SELECT COUNT(*) FROM marts.{table}")
            assert cur.fetchone()[0] == scalar(pg, f"SELECT COUNT(*) FROM marts.{table}")
        cur.execute("SELECT COUNT(*) FROM mart_coverage")  # search_path = marts
        assert cur.fetchone()[0] > 0
        queries = documented_queries()
        for sql in queries.values():
            cur.execute(sql)
        cur.execute(queries["Top non-compliant companies"])
        assert len(cur.fetchall()) == 0  # no company registry in this month
        cur.execute(queries["UCJ coverage by kecamatan this month"])
        assert len(cur.fetchall()) == 30  # Subang's kecamatan


def test_bi_reader_cannot_read_core_or_audit(bi, pg):
    tables = pg.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables"
                      " WHERE table_schema IN ('core', 'audit')")["t"].tolist()
    assert {"core.fct_person_month", "core.dim_company", "audit.run_audit"} <= set(tables)
    for table in tables:
        _fails(bi, f"SELECT * FROM {table} LIMIT 1")


def test_bi_reader_cannot_change_marts(bi):
    _fails(bi, "INSERT INTO marts.mart_non_asn_coverage (periode, kode_opd, non_asn_aktif) "
               "VALUES ('2099-01', 'x', 0)")
    _fails(bi, "UPDATE marts.mart_coverage SET peserta_aktif = 0")
    _fails(bi, "DELETE FROM marts.mart_coverage")
    _fails(bi, "TRUNCATE marts.mart_coverage")
    _fails(bi, "CREATE TABLE marts.mine (a INTEGER)")
    _fails(bi, "CREATE VIEW marts.mine AS SELECT 1 AS a")
    _fails(bi, "DROP TABLE marts.mart_coverage", errors.InsufficientPrivilege)


def test_bi_reader_sessions_are_read_only_by_default(bi, pg_url):
    conn = psycopg2.connect(url_for(pg_url.rsplit("/", 1)[1], user="bi_reader"))
    try:
        _fails(conn, "UPDATE marts.mart_coverage SET peserta_aktif = 0",
              errors.ReadOnlySqlTransaction)
    finally:
        conn.close()


def test_bi_reader_reads_marts_tables_created_later_and_regrant_is_idempotent(bi, pg):
    with pg.transaction() as s:
        s.execute("CREATE TABLE marts.mart_later AS SELECT 1 AS a")
    with bi.cursor() as cur:
        cur.execute("SELECT a FROM marts.mart_later")
        assert cur.fetchall() == [(1,)]
    grant_bi_reader(pg, "bi-secret-for-tests")  # again: no error, same rights
    with bi.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM marts.mart_coverage")
    _fails(bi, "SELECT * FROM core.dim_month")


def test_bi_reader_password_is_a_parameter_stored_as_scram(bi, monkeypatch, pg):
    admin = admin_connection()
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT rolpassword, rolsuper, rolcreaterole, rolinherit "
                        "FROM pg_authid WHERE rolname = 'bi_reader'")
            verifier, *attributes = cur.fetchone()
    finally:
        admin.close()
    assert verifier.startswith("SCRAM-SHA-256$") and attributes == [False, False, False]
    monkeypatch.delenv(pgb.BI_READER_PASSWORD_ENV, raising=False)
    with pytest.raises(MissingSecret):
        grant_bi_reader(pg)
    monkeypatch.setenv(pgb.BI_READER_PASSWORD_ENV, "from-the-environment")
    grant_bi_reader(pg)
    text = (sql_dir() / "roles" / "bi_reader.sql").read_text()
    assert "PASSWORD :password" in text and "from-the-environment" not in text


# ---------------------------------------------------------------- table comments


def test_every_marts_table_and_column_is_commented(pg, tmp_path):
    wl.refresh(pg, tmp_path / "lake", [], "schema")  # every model's table, empty
    missing = pg.query("""
        SELECT c.relname, a.attname, obj_description(c.oid, 'pg_class') AS table_comment,
               col_description(c.oid, a.attnum) AS column_comment
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'marts'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind = 'r'
          AND (obj_description(c.oid, 'pg_class') IS NULL
               OR col_description(c.oid, a.attnum) IS NULL)""")
    assert missing.empty, missing[["relname", "attname"]].values.tolist()
    assert "penduduk_bekerja" in scalar(pg,
        "SELECT obj_description('marts.mart_coverage'::regclass, 'pg_class')")
    duck = _duckdb(tmp_path)
    try:
        wl.refresh(duck, tmp_path / "lake", [], "schema")
        uncommented = duck.query(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
            "AND (comment IS NULL OR comment = '')")
        assert uncommented.empty, uncommented.values.tolist()
    finally:
        duck.close()
