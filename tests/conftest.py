"""Shared test set-up: an isolated UCJ home and Airflow home per session, the DagBag built once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SESSION_HOME = Path(os.environ.get("UCJ_TEST_HOME", "/tmp")) / f"ucj-tests-{os.getpid()}"

# Before anything imports Airflow: the tests never touch the demo's .local state.
os.environ.update({
    "UCJ_HOME": str(_SESSION_HOME),
    "AIRFLOW_HOME": str(_SESSION_HOME / "airflow"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_SESSION_HOME / 'airflow' / 'airflow.db'}",
    "UCJ_PSEUDONYM_KEY": "test-secret-not-for-production",
    "GX_ANALYTICS_ENABLED": "False",
})
for key in ("UCJ_LANDING_ZONE", "UCJ_LAKE", "UCJ_VALIDATION_DIR", "UCJ_WAREHOUSE_URL"):
    os.environ.pop(key, None)
(_SESSION_HOME / "airflow").mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(params=["duckdb", "postgres"])
def empty_warehouse(request, tmp_path):
    """A new, empty warehouse on each backend: a DuckDB file, a scratch PostgreSQL database."""
    from pg_helpers import scratch_database
    from ucj import warehouse

    if request.param == "duckdb":
        con = warehouse.connect(f"duckdb:///{tmp_path / 'wh.duckdb'}")
        yield con
        con.close()
        return
    with scratch_database() as url:
        con = warehouse.connect(url)
        yield con
        con.close()


@pytest.fixture
def smtp():
    """A real SMTP server on loopback (``tests/receivers.py``)."""
    from receivers import smtp_inbox

    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def webhook():
    """A real webhook server on loopback (``tests/receivers.py``)."""
    from receivers import webhook_server

    with webhook_server() as hook:
        yield hook


@pytest.fixture(scope="session")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated SQLite metadata database for tests that run DAGs."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True,
                   stdout=subprocess.DEVNULL, env=os.environ.copy())
    return os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """Landing zone, lake, validation folder and DuckDB warehouse of one test."""
    paths = {
        "UCJ_LANDING_ZONE": tmp_path / "landing",
        "UCJ_LAKE": tmp_path / "lake",
        "UCJ_VALIDATION_DIR": tmp_path / "validation",
    }
    for key, path in paths.items():
        path.mkdir()
        monkeypatch.setenv(key, str(path))
    monkeypatch.setenv("UCJ_WAREHOUSE_URL", f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    from ucj import config

    return config.from_env()


# Limits no batch breaks, for tests of the row rules on hand-made files that are mostly bad
# rows, or reference tables of a few desa: they judge rows, not deliveries. The batch-level
# expectations themselves are tested in tests/reliability/test_bad_deliveries.py.
ROW_RULES_ONLY = ('{"max_quarantine_share": 1, "max_other_period_share": 1, '
                  '"min_rows_vs_previous": 0, "max_missing_codes": 1000}')


@pytest.fixture(scope="module")
def row_rules_only():
    """``pytestmark = pytest.mark.usefixtures("row_rules_only")`` in a module of row-rule
    tests (module scope: its module fixtures run under it too)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("UCJ_BATCH_LIMITS", ROW_RULES_ONLY)
    yield
    mp.undo()


# `make test` runs a pytest worker per core (pytest-xdist, --dist loadfile: a module's tests
# stay on one worker, its module fixtures built once). Each worker has its own UCJ and Airflow
# home (the pid above) and every PostgreSQL test its own scratch database. Role bi_reader is
# the server's, not a database's: a module that creates, alters or drops it holds this lock
# for its duration (PostgreSQL refuses two concurrent ALTER ROLE of one role, "tuple
# concurrently updated", and one module's clean-up would drop the role under the other).
BI_READER_LOCK = Path(os.environ.get("UCJ_TEST_HOME", "/tmp")) / "ucj-tests-bi_reader.lock"


@pytest.fixture(scope="module")
def bi_reader_role():
    """The server's role bi_reader for this module alone (other workers wait), left as found:
    its password restored, or the role dropped."""
    import fcntl

    import psycopg2
    from pg_helpers import admin_connection

    with open(BI_READER_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        admin = admin_connection()
        with admin.cursor() as cur:
            cur.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'bi_reader'")
            before = cur.fetchone()
        yield
        with admin.cursor() as cur:
            if before is None:
                try:
                    cur.execute("DROP ROLE IF EXISTS bi_reader")
                except psycopg2.Error:
                    pass  # still granted something in another database: leave it
            else:
                cur.execute("ALTER ROLE bi_reader PASSWORD %s", (before[0],))
        admin.close()
