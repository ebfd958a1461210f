"""The warehouse as a dbt project (include/sql, issue 17), on generated deliveries:

- DuckDB and PostgreSQL publish the same warehouse, table by table and row by row;
- a run that loads every month at once publishes what a month a run does, alerts included;
- a run with nothing new changes nothing;
- a run killed at any moment (SIGKILL) leaves the published warehouse as it was before the
  run or as it is after it, never anything between;
- dbt dies with a loader killed alone (not its process group), also when it runs in a child
  of the worker's warm dbt interpreter;
- a warm interpreter builds what a cold dbt does, reports a failure as dbt does, and a build
  whose warm interpreter does not answer starts dbt itself; the interpreter is found behind
  pip's /bin/sh trampoline too, and a worker's start removes the folders of interpreters
  gone with their worker; it rehearses before it serves and forks from one thread, a
  failed rehearsal leaves a warm interpreter that says so, and one killed while it rehearses
  leaves only its own folder;
- the dbt docs site is built from the last build;
- a build from a full parse logs no warning.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from ucj import warehouse
from ucj.pipeline import apbdes, enrollment, reference, registry
from ucj.registry.records import read_csv, write_jsonl
from ucj.warehouse import build, dbt, warm
from ucj.warehouse import load as wl
from ucj_sample import generate

ROOT = Path(__file__).resolve().parent.parent
MONTHS = ["2025-12", "2026-01", "2026-02"]  # two fiscal years
TABLES = ["core.dim_wilayah", "core.ref_tenaga_kerja_desa", "core.ref_non_asn", "core.ref_umk",
          "core.dim_month", "core.dim_company", "core.fct_participant_month",
          "core.fct_person_month", "core.fct_dana_desa_month", "core.fct_company_month",
          "core.fct_apbdes", "marts.mart_coverage", "marts.mart_village_official_coverage",
          "marts.mart_non_asn_coverage", "marts.mart_company_compliance",
          "marts.mart_dana_desa", "marts.mart_dana_desa_bulan", "marts.mart_dana_desa_premi",
          "marts.alerts",
          "audit.reference_load"]
# when a run happened, not what it holds
VOLATILE = {"loaded_at", "refreshed_at", "hours_since_load", "days_since_period_end",
            "run_id", "last_run_id"}


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt_lake")
    landing, lake, val = tmp / "landing", tmp / "lake", tmp / "val"
    generate(landing, MONTHS, participants=2500, seed=5)
    for f in sorted((landing / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    for f in sorted((landing / "registry").glob("perusahaan_*.csv")):
        stamp = f.stem.removeprefix("perusahaan_")
        extract = tmp / "extracts" / f"{f.stem}.jsonl"
        write_jsonl(extract, read_csv(f))
        registry.process(extract, f"{stamp}T235959Z", lake, val)
    for f in sorted((landing / "enrollment").iterdir()):
        enrollment.process(f, lake, val, os.environ["UCJ_PSEUDONYM_KEY"])
    for f in sorted((landing / "village_budget").glob("apbdes_*.csv")):
        apbdes.process(f, lake, val)
    return lake


def _plain(v):
    """One form for a value from either backend: a float's last digits may differ (rounded);
    DuckDB gives DATE as a pandas Timestamp, PostgreSQL as a date (both as ISO text)."""
    if isinstance(v, float):
        return round(v, 9)
    if isinstance(v, (pd.Timestamp, datetime.datetime)):
        return v.date().isoformat() if v == pd.Timestamp(v.date()) else v.isoformat(" ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v


def _table(wh, table: str) -> pd.DataFrame:
    df = wh.query(f"SELECT * FROM {table}")
    df = df[sorted(c for c in df.columns if c not in VOLATILE)]
    df = df.astype(object).where(df.notna(), None)
    df = df.apply(lambda c: c.map(_plain))
    return df.sort_values(list(df.columns), key=lambda c: c.astype(str)).reset_index(drop=True)


def _state(wh) -> dict[str, pd.DataFrame]:
    return {t: _table(wh, t) for t in TABLES}


def _same(a: dict, b: dict, tables=TABLES) -> bool:
    return all(a[t].shape == b[t].shape and a[t].equals(b[t]) for t in tables)


PUBLISHED = [t for t in TABLES if t != "marts.alerts"]


def _month_by_month(wh, lake: Path) -> None:
    for i, part in enumerate(wl.enrollment_partitions(lake)):  # as Airflow: a month a run
        wl.refresh(wh, lake, [part], f"run-{i}")


@pytest.fixture(scope="module")
def duckdb_wh(lake, tmp_path_factory):
    wh = warehouse.connect(f"duckdb:///{tmp_path_factory.mktemp('dbt_wh') / 'wh.duckdb'}")
    _month_by_month(wh, lake)
    yield wh
    wh.close()


def test_duckdb_and_postgres_publish_the_same_warehouse(duckdb_wh, lake):
    from pg_helpers import scratch_database

    with scratch_database() as url:
        pg = warehouse.connect(url)
        try:
            _month_by_month(pg, lake)
            for table in TABLES:
                expected, got = _table(duckdb_wh, table), _table(pg, table)
                assert len(expected) > 0, table
                pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=table)
        finally:
            pg.close()


def test_a_run_with_nothing_new_changes_nothing(duckdb_wh, lake):
    before = _state(duckdb_wh)
    result = wl.refresh(duckdb_wh, lake, [], "again")
    assert result["periodes"] == [] and result["months"] == []
    assert _same(_state(duckdb_wh), before)


def test_every_month_at_once_equals_a_month_a_run(duckdb_wh, lake, tmp_path):
    wh = warehouse.connect(f"duckdb:///{tmp_path / 'once.duckdb'}")
    try:
        wl.refresh(wh, lake, wl.enrollment_partitions(lake), "once")
        for table in TABLES:
            expected, got = _table(duckdb_wh, table), _table(wh, table)
            pd.testing.assert_frame_equal(got, expected, obj=table)
    finally:
        wh.close()


KILLED_RUN = """
import sys
from pathlib import Path
from ucj import warehouse
from ucj.warehouse import dbt
from ucj.warehouse import load as wl
if sys.argv[3:] == ["warm"]:
    assert dbt.start_warm()
wh = warehouse.connect(sys.argv[1])
wl.refresh(wh, Path(sys.argv[2]), wl.enrollment_partitions(Path(sys.argv[2])), "killed")
"""


def test_a_killed_run_leaves_the_published_warehouse_whole(lake, tmp_path):
    """SIGKILL at moments spread over a run (staging, dbt, publish, alerts): each time the
    published tables hold exactly the state before the run or the state after it, and so do
    the alerts (their own step: in Airflow their task is retried with what the load
    published)."""
    path = tmp_path / "killed.duckdb"
    url = f"duckdb:///{path}"
    wh = warehouse.connect(url)
    first = wl.enrollment_partitions(lake)[:1]
    wl.refresh(wh, lake, first, "first")  # the state before: one month published
    before = _state(wh)
    wh.close()
    shutil.copy(path, tmp_path / "before.duckdb")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "include")}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, url, str(lake)], env=env,
                          check=True, capture_output=True)
    full = time.perf_counter() - started
    wh = warehouse.connect(url)
    after = _state(wh)
    wh.close()
    assert not _same(before, after)
    for fraction in (0.3, 0.6, 0.9):
        shutil.copy(tmp_path / "before.duckdb", path)
        # the killed run's write-ahead log belongs to the file it was killed on, not to the
        # restored copy (DuckDB refuses a log newer than its file)
        Path(f"{path}.wal").unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, url, str(lake)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(full * fraction)
        os.killpg(proc.pid, signal.SIGKILL)  # dbt too, when it runs
        proc.wait()
        _wait_until_gone(proc.pid)  # dbt's lock on the warehouse goes when dbt has exited
        wh = warehouse.connect(url)
        state = _state(wh)
        wh.close()
        assert _same(state, before, PUBLISHED) or _same(state, after, PUBLISHED), \
            f"killed at {fraction:.0%}"
        assert _same(state, before, ["marts.alerts"]) or _same(state, after, ["marts.alerts"])


@pytest.mark.parametrize("interpreter", ["cold", "warm"])
def test_dbt_dies_with_a_loader_killed_alone(lake, tmp_path, interpreter):
    """The loader killed alone, not its process group (the OOM killer; a supervisor killing
    the task's process): dbt dies with it instead of building on as an orphan, holding its
    lock on the warehouse or writing into a build that a retry has made again. Cold, dbt is
    the loader's child; warm, a child of the warm interpreter that the loader's process
    started (as a worker does), bound to the loader by its connection."""
    url = f"duckdb:///{tmp_path / 'alone.duckdb'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "include")}
    env.pop(warm.SOCKET_ENV, None)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, url, str(lake), interpreter],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        if interpreter == "cold":
            building = _child(proc.pid, _runs_dbt)
        else:
            server = _child(proc.pid, lambda args: any(a.endswith(b"/warm_server.py")
                                                       for a in args))
            building = _child(server, lambda args: True)
        os.kill(proc.pid, signal.SIGKILL)  # the loader alone
        proc.wait()
        # dbt had just started (importing, parsing): left alone it would build for seconds more
        _wait_until_gone(proc.pid, timeout=5)
        assert not _alive(building)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _runs_dbt(args: list[bytes]) -> bool:
    # dbt itself, past the few lines that make it die with its parent (python -S -c ...)
    return b"-c" not in args[:3] and any(a.endswith(b"/dbt") or a == b"dbt" for a in args[:2])


def _child(parent: int, matches, timeout: float = 120) -> int:
    """The pid of ``parent``'s child once its command line ``matches``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = _stat(stat)
            if not fields or int(fields[1]) != parent:
                continue
            try:
                args = (stat.parent / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if matches(args):
                return int(stat.parent.name)
        time.sleep(0.02)
    raise AssertionError(f"no such child of {parent} within {timeout} s")


def _alive(pid: int) -> bool:
    fields = _stat(Path(f"/proc/{pid}/stat"))
    return bool(fields) and fields[0] not in ("Z", "X")


def _wait_until_gone(group: int, timeout: float = 60) -> None:
    """Wait until every thread of a killed process group has exited: a killed dbt's main
    thread shows as a zombie while its other threads still close the files it holds (its lock
    on the warehouse among them)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [task for task in Path("/proc").glob("[0-9]*/task/[0-9]*/stat")
                 if _alive_in(task, group)]
        if not alive:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"threads {alive} of group {group} still alive")
        time.sleep(0.05)


def _alive_in(stat: Path, group: int) -> bool:
    fields = _stat(stat)
    return bool(fields) and int(fields[2]) == group and fields[0] not in ("Z", "X")


def _stat(stat: Path) -> list[str]:
    """A process's or thread's /proc stat fields after its name: state, ppid, pgrp, ...;
    none when it has exited meanwhile."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def test_the_docs_site_is_built_from_the_last_build(duckdb_wh, tmp_path):
    page = build.docs(f"duckdb:///{duckdb_wh.path}", tmp_path / "docs")
    text = page.read_text()
    for name in ("mart_coverage", "fct_participant_month", "unique_key", "wilayah_3213"):
        assert name in text


def test_a_month_whose_event_was_folded_away_is_loaded_by_the_next_run(lake, tmp_path):
    """Airflow may fold a month's asset event into a run without loading it (a DAG at
    max_active_runs keeps the events up to its queue's first, apache/airflow#56050): the next
    asset-triggered run loads every month the lake holds and the warehouse never loaded."""
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    wl.run(url, lake, [{"periode": MONTHS[0]}], [], "first")
    wl.run(url, lake, [{"source": "reference"}], [], "reference only")
    wh = warehouse.connect(url)
    try:
        loaded = wh.query("SELECT DISTINCT periode FROM marts.mart_coverage ORDER BY periode")
    finally:
        wh.close()
    assert loaded["periode"].tolist() == MONTHS


def test_the_docs_site_on_a_host_that_did_not_build(tmp_path, monkeypatch):
    """Several Celery workers: the docs task may run on a host whose dbt work folder has no
    build of its own; the project is parsed there, the site documents the same models."""
    monkeypatch.setenv("UCJ_DBT_WORK_DIR", str(tmp_path / "fresh"))
    page = build.docs(f"duckdb:///{tmp_path / 'none.duckdb'}", tmp_path / "docs")
    assert "mart_coverage" in page.read_text()


def test_a_build_from_a_full_parse_logs_no_warning(lake, tmp_path, monkeypatch):
    """dbt's log keeps warnings and errors (ucj.warehouse.dbt): a build that parses the whole
    project (a new work folder) and builds every model leaves it empty, so that a warning
    there is news to the engineer reading it (a deprecated test spelling, a constraint dbt
    would ignore without its test)."""
    monkeypatch.setenv("UCJ_DBT_WORK_DIR", str(tmp_path / "fresh"))
    wh = warehouse.connect(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    try:
        wl.refresh(wh, lake, wl.enrollment_partitions(lake)[:1], "full parse")
    finally:
        wh.close()
    logged = (tmp_path / "fresh" / "logs" / "dbt.log").read_text()
    assert "WARN" not in logged.upper(), logged


@pytest.fixture
def warm_dbt(monkeypatch):
    """A warm dbt interpreter, as a worker starts one for the tasks it forks; the builds it
    answers, recorded."""
    monkeypatch.delenv(warm.SOCKET_ENV, raising=False)
    assert dbt.start_warm() is not None
    answers = []
    real = warm.build

    def recorded(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(warm, "build", recorded)
    folder = Path(os.environ[warm.SOCKET_ENV]).parent
    # the pid recorded is the server's, alive: remove_stale leaves its folder
    assert int((folder / warm.PID_FILE).read_text()) == warm._server.pid
    warm.remove_stale()
    assert folder.exists()
    yield answers
    warm.stop()
    assert not folder.exists()  # its socket and log removed with it


def test_a_warm_interpreter_builds_what_a_cold_dbt_does(duckdb_wh, lake, tmp_path, warm_dbt):
    wh = warehouse.connect(f"duckdb:///{tmp_path / 'warm.duckdb'}")
    _month_by_month(wh, lake)
    state = _state(wh)
    wh.close()
    assert len(warm_dbt) == len(wl.enrollment_partitions(lake))
    assert all(answer is not None and answer[0] == 0 for answer in warm_dbt)
    assert _same(_state(duckdb_wh), state, PUBLISHED)


INLINE_MISSING = ["compile", "--inline", "SELECT * FROM {{ ref('no_such_model') }}",
                  "--target", "duckdb"]


@pytest.mark.parametrize("interpreter", ["cold", "warm"])
def test_a_failed_dbt_command_is_reported_as_dbt_reports_it(tmp_path, monkeypatch, request,
                                                            interpreter):
    monkeypatch.delenv(warm.SOCKET_ENV, raising=False)
    if interpreter == "warm":
        request.getfixturevalue("warm_dbt")
    env = {"UCJ_DBT_TARGET": "duckdb", "UCJ_DBT_BUILD_PATH": str(tmp_path / "b.duckdb"),
           "UCJ_DBT_WAREHOUSE_PATH": str(tmp_path / "w.duckdb")}
    with pytest.raises(dbt.DbtFailed, match="depends on a node named 'no_such_model'"):
        dbt.run(INLINE_MISSING, env, tmp_path / "target")


def test_a_warm_interpreter_that_does_not_answer_leaves_the_build_to_dbt(tmp_path, monkeypatch,
                                                                        caplog):
    monkeypatch.setenv(warm.SOCKET_ENV, str(tmp_path / "gone.sock"))  # its worker restarted
    env = {"UCJ_DBT_TARGET": "duckdb"}
    with caplog.at_level("WARNING", logger="ucj.warehouse.warm"):
        result = dbt.run(["parse", "--target", "duckdb"], env, tmp_path / "target")
    assert (result.target_path / "manifest.json").exists()
    assert "does not answer" in caplog.text and "gone.sock" in caplog.text


def test_no_warm_interpreter_behind_a_dbt_that_is_no_python_script(monkeypatch, caplog):
    monkeypatch.setenv(dbt.DBT_ENV, "/bin/true")
    monkeypatch.delenv(warm.SOCKET_ENV, raising=False)
    with caplog.at_level("WARNING", logger="ucj.warehouse.dbt"):
        assert dbt.start_warm() is None
    assert warm.SOCKET_ENV not in os.environ and "/bin/true" in caplog.text


TRAMPOLINE = """#!/bin/sh
'''exec' "{python}" "$0" "$@"
' '''
from dbt.cli.main import cli
cli()
"""


def test_the_warm_interpreter_is_found_behind_pips_long_path_trampoline(tmp_path, monkeypatch):
    """Where the interpreter's path does not fit a shebang (127 bytes) or holds a space, pip
    writes ``dbt`` as a /bin/sh trampoline: the interpreter is read from its exec line, and
    the warm interpreter starts from it."""
    python = dbt._interpreter_of(dbt.executable())
    assert python is not None
    script = tmp_path / "a folder with spaces" / "dbt"
    script.parent.mkdir()
    script.write_text(TRAMPOLINE.format(python=python))
    script.chmod(0o755)
    assert dbt._interpreter_of(str(script)) == python
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                             check=False)
    assert version.returncode == 0 and "1.11" in version.stdout  # as the cold path runs it
    monkeypatch.setenv(dbt.DBT_ENV, str(script))
    monkeypatch.delenv(warm.SOCKET_ENV, raising=False)
    try:
        assert dbt.start_warm() is not None
    finally:
        warm.stop()


def test_a_worker_start_removes_the_folders_of_warm_interpreters_gone(tmp_path, monkeypatch):
    """A worker killed with SIGKILL runs no atexit; its server dies with it and its folder
    stays. The next worker's start removes it, and only it: not a live server's folder, nor
    one whose server has not yet recorded its pid."""
    monkeypatch.setattr(warm.tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    folders = {}
    for name, pid in (("gone", str(gone.pid)), ("alive", str(os.getpid())), ("new", None)):
        folder = tmp_path / f"{warm.PREFIX}{name}"
        folder.mkdir()
        (folder / "dbt.sock").touch()
        if pid:
            (folder / warm.PID_FILE).write_text(pid)
        folders[name] = folder
    warm.remove_stale()
    assert not folders["gone"].exists()
    assert folders["alive"].exists() and folders["new"].exists()


@contextlib.contextmanager
def _deadline(seconds: int):
    """Fail instead of waiting for ever (a build that hangs: the loader's end ends it)."""
    def expired(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _threads_and_children(pid: int) -> tuple[int, list[str]]:
    children = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                              text=True, check=False).stdout.split()
    return len(os.listdir(f"/proc/{pid}/task")), children


PARSE_ENV = {"UCJ_DBT_TARGET": "duckdb"}


def test_the_warm_interpreter_rehearses_then_forks_from_one_thread(tmp_path, warm_dbt, caplog):
    """The server builds its rehearsal project before it serves, then holds no thread and no
    process a fork would not carry (DuckDB's threads, dbt's resource tracker). A child that
    parses the project afresh runs dbt's static parser, whose thread pool would hang a child
    forked from a server that had started it: it answers."""
    assert not [r for r in caplog.get_records("setup") if "rehearsal" in r.getMessage()]
    assert _threads_and_children(warm._server.pid) == (1, [])
    with _deadline(300):
        result = dbt.run(["parse", "--target", "duckdb"], PARSE_ENV, tmp_path / "target")
    assert (result.target_path / "manifest.json").exists()
    assert warm_dbt and warm_dbt[-1][0] == 0  # answered by the warm interpreter


def test_a_rehearsal_that_fails_leaves_a_warm_interpreter_that_says_so(tmp_path, monkeypatch,
                                                                       caplog):
    """A rehearsal that fails (here: a target its profile does not have) gives way to a fresh
    server in the same process (the pid the worker recorded), without it: still warm, and
    the worker's log says so."""
    monkeypatch.setenv("DBT_TARGET", "no_such_target")  # dbt's --target; builds pass theirs
    monkeypatch.delenv(warm.SOCKET_ENV, raising=False)
    with caplog.at_level("INFO", logger="ucj.warehouse"):
        assert dbt.start_warm() is not None
        try:
            folder = Path(os.environ[warm.SOCKET_ENV]).parent
            assert int((folder / warm.PID_FILE).read_text()) == warm._server.pid
            assert _threads_and_children(warm._server.pid) == (1, [])
            with _deadline(300):
                result = dbt.run(["parse", "--target", "duckdb"], PARSE_ENV,
                                 tmp_path / "target")
        finally:
            warm.stop()
    assert (result.target_path / "manifest.json").exists()
    assert "without its rehearsal: its build failed" in caplog.text
    assert "(warm interpreter)" in caplog.text


def test_a_server_killed_while_it_rehearses_leaves_only_its_folder(tmp_path, monkeypatch):
    """The rehearsal is built inside the server's own folder: a worker killed while its
    interpreter rehearses (SIGKILL, no clean-up) leaves that folder only, which the next
    worker's start removes as it removes any folder of a server gone."""
    system_tmp = Path(tempfile.gettempdir())
    before = {p.name for p in system_tmp.iterdir() if "rehearsal" in p.name}
    monkeypatch.setattr(warm.tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"{warm.PREFIX}killed"
    folder.mkdir()
    python = dbt._interpreter_of(dbt.executable())
    server = subprocess.Popen([python, "-I", str(warm.SERVER), str(folder / "dbt.sock")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (folder / warm.PID_FILE).write_text(str(server.pid))
    deadline = time.monotonic() + 120
    while not list(folder.glob("rehearsal-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        assert list(folder.glob("rehearsal-*")), "the rehearsal did not start"
    finally:
        server.kill()
        server.wait()
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]
    assert {p.name for p in system_tmp.iterdir() if "rehearsal" in p.name} == before
    warm.remove_stale()
    assert not folder.exists()
