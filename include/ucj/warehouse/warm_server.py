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

``-I``: the script's folder is not put on ``sys.path``: it holds ``dbt.py`` (the loader's),
which would hide dbt itself.
"""

import json
import os
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
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the finished builds
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            _child(conn)
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
