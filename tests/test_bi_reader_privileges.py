"""Least privilege of role bi_reader on a real PostgreSQL server: the warehouse database is
closed to every role but the granted ones (PostgreSQL opens a new database to PUBLIC), bi_reader
connects to it alone, without temporary tables, and reads marts only.

The server's roles are shared by every database and by tests running at the same time: role
bi_reader is restored (or dropped) as found, the throw-away login role has a random name.
"""

from __future__ import annotations

import logging
import secrets

import psycopg2
import pytest
from pg_helpers import admin_connection, scratch_database, url_for
from psycopg2 import errors, sql
from ucj import warehouse
from ucj.warehouse.postgres_backend import bi_reader_other_databases, grant_bi_reader

PASSWORD = "bi-secret-for-tests"


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _connect(url: str, user: str, **kwargs):
    return psycopg2.connect(url_for(_name(url), user=user), connect_timeout=5, **kwargs)


def _refused(url: str, user: str) -> str:
    with pytest.raises(psycopg2.OperationalError) as refused:
        _connect(url, user).close()
    return str(refused.value)


@pytest.fixture
def stranger():
    """Another login role of the cluster, granted nothing."""
    name = f"ucj_test_stranger_{secrets.token_hex(4)}"
    admin = admin_connection()
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    admin.close()


@pytest.fixture
def granted(bi_reader_role, tmp_path):
    """A warehouse database (every layer's tables, empty) with bi_reader granted; yields its URL
    and grant_bi_reader's list of the other databases bi_reader may still connect to."""
    from ucj.warehouse import load as wl

    with scratch_database() as url:
        wh = warehouse.connect(url)
        try:
            wl.refresh(wh, tmp_path / "lake", [], "schema")
            others = grant_bi_reader(wh, PASSWORD)
        finally:
            wh.close()
        yield url, others


@pytest.fixture
def other_database():
    """Another database of the same cluster, as PostgreSQL creates it (open to PUBLIC)."""
    with scratch_database() as url:
        yield url


def test_only_granted_roles_connect_to_the_warehouse(granted, other_database, stranger):
    url, _ = granted
    # PostgreSQL's default, which the role SQL takes off the warehouse: any role connects
    _connect(other_database, stranger).close()
    assert "permission denied for database" in _refused(url, stranger)
    conn = _connect(url, "bi_reader")
    conn.close()
    admin = psycopg2.connect(url)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT'),"
                        " has_database_privilege('public', current_database(), 'TEMPORARY')")
            assert cur.fetchone() == (False, False)
    finally:
        admin.close()


def test_bi_reader_cannot_connect_to_another_database(granted, other_database, caplog):
    url, others = granted
    assert _name(url) not in others
    # A database left open to PUBLIC is named (returned and logged), not silently reachable.
    with caplog.at_level(logging.WARNING, logger="ucj.warehouse.postgres_backend"):
        wh = warehouse.connect(url)
        try:
            named = grant_bi_reader(wh, PASSWORD)
        finally:
            wh.close()
    assert _name(other_database) in named
    assert _name(other_database) in caplog.text and "bi_reader" in caplog.text
    # Closed by its owner, as compose's init script closes every database of its server:
    # bi_reader's CONNECT on the warehouse gives it nothing there.
    admin = psycopg2.connect(other_database)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC")
                        .format(sql.Identifier(_name(other_database))))
    finally:
        admin.close()
    assert "permission denied for database" in _refused(other_database, "bi_reader")
    _connect(url, "bi_reader").close()
    wh = warehouse.connect(url)
    try:
        assert _name(other_database) not in bi_reader_other_databases(wh)
    finally:
        wh.close()


def test_bi_reader_creates_no_temporary_table(granted):
    url, _ = granted
    # even with its read-only default switched off, TEMPORARY is not granted
    conn = _connect(url, "bi_reader", options="-c default_transaction_read_only=off")
    conn.autocommit = True
    try:
        with conn.cursor() as cur, pytest.raises(errors.InsufficientPrivilege,
                                                 match="temporary tables"):
            cur.execute("CREATE TEMP TABLE scratch (a INTEGER)")
    finally:
        conn.close()


def test_bi_reader_reads_marts_only(granted):
    url, _ = granted
    wh = warehouse.connect(url)
    try:
        tables = wh.query("SELECT table_schema, table_name FROM information_schema.tables "
                          "WHERE table_schema IN ('marts', 'core', 'audit')")
    finally:
        wh.close()
    marts = tables[tables["table_schema"] == "marts"]["table_name"].tolist()
    hidden = tables[tables["table_schema"] != "marts"]
    assert marts and len(hidden) and set(hidden["table_schema"]) == {"core", "audit"}
    conn = _connect(url, "bi_reader")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for table in marts:
                cur.execute(sql.SQL("SELECT COUNT(*) FROM marts.{}").format(
                    sql.Identifier(table)))
                cur.fetchone()
            for schema, table in hidden.itertuples(index=False):
                with pytest.raises(errors.InsufficientPrivilege):
                    cur.execute(sql.SQL("SELECT * FROM {}.{} LIMIT 1").format(
                        sql.Identifier(schema), sql.Identifier(table)))
            with pytest.raises(errors.ReadOnlySqlTransaction):
                cur.execute(sql.SQL("DELETE FROM marts.{}").format(sql.Identifier(marts[0])))
    finally:
        conn.close()
