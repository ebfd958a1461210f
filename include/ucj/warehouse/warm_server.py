"""dbt's interpreter kept warm: imports dbt once, then forks one child per build.

Run by dbt's own interpreter (``.venv-dbt``), never imported by the loader: standard library
and dbt only. ``ucj.warehouse.warm`` starts it (``python -I warm_server.py SOCKET``) where a
worker starts, as Great Expectations is imported once per worker (``ucj.validation.preload``),
and a loader asks it for a build instead of starting ``dbt``: a new dbt process spends about
two seconds importing dbt before it reads its project (``benchmarks/load_breakdown.py
--warm-dbt`` prints both ways).

Per build, over the connection: the loader sends one JSON line (dbt's arguments, the
environment, the working directory); the child answers its pid, runs ``dbtRunner().invoke``
with that environment as its own, and answers its exit code (the CLI's: 0, 1 a node failed,
2 dbt could not run) and what it printed. The child dies with the loader: it watches the
connection, which the kernel closes when the loader dies however it dies.

Before it serves, the server builds a small project once (``rehearsal/``, in memory): what a
build pays once per process beyond the imports (JSON schemas, serialisation code compiled on
first use, dbt's macros compiled, the adapter's first connection) is then paid there, about a
second less per build (``benchmarks/load_breakdown.py --warm-dbt``, ``UCJ_DBT_REHEARSE=0``
to compare). Forking is safe only from a process holding no thread and no DuckDB instance: the
rehearsal closes what it opened, and a rehearsal that failed or left a thread is replaced by
a fresh server that skips it (``exec``), which says so on its "ready" line.

``-I``: the script's folder is not put on ``sys.path``: it holds ``dbt.py`` (the loader's),
which would hide dbt itself.
"""

import gc
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import traceback

EXIT_LOADER_GONE = 3


def _warm() -> None:
    # what every build imports before it reads the project: the CLI, the manifest and its
    # parsers, the build task, the adapters this project targets (those installed)
    import importlib

    for name in ("dbt.cli.main", "dbt.parser.manifest", "dbt.task.build", "dbt.compilation",
                 "dbt.adapters.duckdb", "dbt.adapters.postgres"):
        try:
            importlib.import_module(name)
        except ImportError:
            if name.startswith("dbt.adapters."):
                continue
            raise


REHEARSAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rehearsal")
REHEARSE_ENV = "UCJ_DBT_REHEARSE"  # "0": no rehearsal (set by the server for its fresh self)
SKIPPED_ENV = "UCJ_DBT_REHEARSAL_SKIPPED"  # why, said on the "ready" line


def _rehearse(folder: str) -> str | None:
    """Build the rehearsal project once, in ``folder`` (the server's own: a server killed
    while it rehearses leaves nothing elsewhere, and its folder goes as it does); None when
    done and the process is fit to fork, else why not. What dbt prints goes to the server's
    log: its stdout carries "ready" only."""
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        return _build_rehearsal(folder)
    except Exception as exc:  # noqa: BLE001 - any failure only means no rehearsal
        return f"it raised {exc!r}"
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _build_rehearsal(server_folder: str) -> str | None:
    from dbt.cli.main import dbtRunner

    with tempfile.TemporaryDirectory(prefix="rehearsal-", dir=server_folder) as folder:
        project = os.path.join(folder, "project")
        shutil.copytree(REHEARSAL, project)  # dbt writes beside a project; the image's is read-only
        try:
            # no static parser: a Rust extension whose thread pool, started on first use, does
            # not survive a fork (a child parsing a changed model would hang for ever)
            result = dbtRunner().invoke([
                "--no-version-check", "--quiet", "--log-level-file", "none",
                "--no-static-parser", "build", "--project-dir", project,
                "--profiles-dir", project, "--target-path", os.path.join(folder, "target"),
                "--log-path", os.path.join(folder, "logs")])
        finally:
            _close_what_dbt_opened()
    if not result.success:
        return f"its build failed: {result.exception or 'a node failed'}"
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    if threads > 1:
        return f"it left {threads - 1} thread(s) running, which a fork would not carry"
    return None


def _close_what_dbt_opened() -> None:
    # the in-memory DuckDB instance (with its threads), the adapters, the resource tracker
    # process of dbt's spawn-context locks (each build starts its own, as a cold dbt does)
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None
    except ImportError:
        pass
    from multiprocessing import resource_tracker

    from dbt.adapters.factory import reset_adapters

    reset_adapters()
    gc.collect()
    resource_tracker._resource_tracker._stop()


def _watch(conn: socket.socket) -> None:
    # nothing more comes from the loader: end of stream is its end (exit, kill, OOM)
    try:
        while conn.recv(1024):
            pass
    except OSError:
        pass
    os._exit(EXIT_LOADER_GONE)


def _send(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _child(conn: socket.socket) -> None:
    rc, out = 2, None
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # dbt's own subprocesses are waited for
    try:
        with conn.makefile("rb") as fh:
            request = json.loads(fh.readline())
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        out = tempfile.TemporaryFile()
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        _send(conn, {"pid": os.getpid()})
        threading.Thread(target=_watch, args=(conn,), daemon=True).start()
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(request["args"])  # dbt prints its errors, as its CLI
        rc = 0 if result.success else (2 if result.exception is not None else 1)
    except BaseException:  # noqa: BLE001 - whatever happened is reported to the loader
        traceback.print_exc()
    text = ""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        if out is not None:
            out.seek(0)
            text = out.read()[-20000:].decode(errors="replace")
        _send(conn, {"rc": rc, "output": text})
    finally:
        os._exit(rc)


def main(path: str) -> None:
    _warm()
    if os.environ.get(REHEARSE_ENV, "1") != "0":
        why = _rehearse(os.path.dirname(os.path.abspath(path)))
        if why is not None:  # a fresh server, in this process (its pid, its parent's signal)
            os.environ.update({REHEARSE_ENV: "0", SKIPPED_ENV: why})
            os.execv(sys.executable, [sys.executable, "-I", os.path.abspath(__file__), path])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the finished builds
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    skipped = os.environ.pop(SKIPPED_ENV, None)
    print("ready" + (f" without its rehearsal: {skipped}" if skipped else ""), flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            _child(conn)
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
