"""A warm dbt interpreter per worker, and the builds a loader asks of it.

A worker starts one (``ucj.warehouse.dbt.start_warm``: the LocalExecutor's scheduler in
``ucj.local_executor``, each Celery worker in ``ucj.celery_config``, the demo's runner in
``ucj.demo``) before it forks or runs its tasks; its socket's path is in the environment
they inherit (``UCJ_DBT_WARM_SOCKET``).
The server (``warm_server.py``, in dbt's own interpreter) has imported dbt once and forks a
child per build, so a build does not spend dbt's import time again. The build is the same
``dbt`` command line, run by the same dbt, in the loader's environment and working folder,
with the same target folder (so the same partial-parse state as a cold ``dbt``).

Where there is none (a process no worker started: most tests, calls by hand) builds start
``dbt`` as a process of their own, as before. Where there was one and it
does not answer any more, the build starts cold too and says so in the task's log: slower,
never different. A server's folder goes with it when its worker ends normally (``stop``);
one left by a worker killed outright is removed by the next start (``remove_stale``).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)
SOCKET_ENV = "UCJ_DBT_WARM_SOCKET"
SERVER = Path(__file__).with_name("warm_server.py")
# dbt's imports and the rehearsal (warm_server.py) on a loaded 2-core machine: seconds
# (3 and 9 on this one, README Performance), never minutes
READY_SECONDS = 120
PREFIX = "ucj-dbt-"  # a server's folder in the temporary folder: its socket, log and pid
PID_FILE = "server.pid"

_server: subprocess.Popen | None = None
_owner = 0  # the process that started _server; the tasks it forks inherit both


def start(command: list[str]) -> str | None:
    """Start the server (``command``: dbt's interpreter running ``SERVER``, the socket's path
    appended) for this process and those it forks; the socket's path, or None (logged) when
    it did not start. Once per process: a second call returns the running server's socket."""
    global _server, _owner
    if _server is not None and _server.poll() is None and os.environ.get(SOCKET_ENV):
        return os.environ[SOCKET_ENV]
    remove_stale()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))  # owner-only: the socket takes secrets
    path = folder / "dbt.sock"
    errors = open(folder / "server.log", "wb")  # noqa: SIM115 - the server's, while it lives
    proc = subprocess.Popen([*command, str(path)], stdout=subprocess.PIPE,
                            stderr=errors, stdin=subprocess.DEVNULL)
    errors.close()
    (folder / PID_FILE).write_text(str(proc.pid))  # the same process once it is the server
    ready, _, _ = select.select([proc.stdout], [], [], READY_SECONDS)
    line = (proc.stdout.readline() if ready else b"").decode(errors="replace").strip()
    word, _, skipped = line.partition(" ")  # "ready", or "ready without its rehearsal: why"
    if word != "ready":
        proc.kill()
        proc.wait()
        detail = (folder / "server.log").read_text(errors="replace")[-2000:]
        shutil.rmtree(folder, ignore_errors=True)
        log.warning("the warm dbt interpreter did not start (%s); each warehouse build "
                    "starts dbt itself, importing dbt again: %s", " ".join(command), detail)
        return None
    proc.stdout.close()
    if _server is None:
        atexit.register(stop)  # a process that ends normally leaves no folder behind
    _server, _owner = proc, os.getpid()
    os.environ[SOCKET_ENV] = str(path)
    log.info("warm dbt interpreter ready (pid %d, %s)", proc.pid, path)
    if skipped:  # warm all the same, but each build pays dbt's first uses again
        log.warning("the warm dbt interpreter (pid %d) started %s", proc.pid, skipped)
    return str(path)


def remove_stale() -> None:
    """Remove the folders of this user's servers that are gone: a worker killed with SIGKILL
    runs no ``atexit``, and its server dies with it (PR_SET_PDEATHSIG), leaving its folder
    (a socket and a log) in the temporary folder. A folder is stale when the server whose
    pid it records is no longer alive; one without that record (being set up, or by an
    earlier version) stays."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            pid = int((folder / PID_FILE).read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
            continue  # alive (or its pid taken by another process: left, harmless)
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # another user's process holds the pid
        shutil.rmtree(folder, ignore_errors=True)
        log.info("removed %s, left by a warm dbt interpreter that is gone (pid %d)",
                 folder, pid)


def stop() -> None:
    """Stop this process's server (it also dies with this process) and remove its folder.
    Only in the process that started it: the processes forked from it share its socket."""
    global _server
    if _server is None or os.getpid() != _owner:
        return  # none, or a process forked from the one that started it (a task)
    _server.kill()
    _server.wait()
    _server = None
    path = os.environ.pop(SOCKET_ENV, None)
    if path:
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def build(args: list[str], env: dict[str, str]) -> tuple[int, str] | None:
    """``dbt <args>`` in a child of the warm interpreter, with ``env`` as its whole
    environment: its exit code and what it printed. None where no warm interpreter answers
    (then logged, when the environment named one)."""
    path = os.environ.get(SOCKET_ENV)
    if not path:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError as exc:
        conn.close()
        log.warning("the warm dbt interpreter at %s does not answer (%s): this build starts "
                    "dbt itself, importing dbt again", path, exc)
        return None
    # the connection stays open for the whole build: the child ends when it closes, which
    # the kernel does when this process dies, however it dies
    with conn, conn.makefile("rb") as answers:
        conn.sendall(json.dumps({"args": args, "env": env, "cwd": os.getcwd()}).encode()
                     + b"\n")
        pid, result = None, None
        for line in answers:  # {"pid": ...} once it runs, then {"rc": ..., "output": ...}
            answer = json.loads(line)
            if "rc" in answer:
                result = int(answer["rc"]), answer["output"]
            pid = answer.get("pid", pid)
    # gone before the loader goes on: dbt-duckdb keeps its database open until its process
    # ends, and the publish opens the same files
    _wait_gone(pid)
    return result or (-1, f"dbt's build process (pid {pid}, forked by the warm interpreter at "
                          f"{path}) ended without an answer: killed, or out of memory")


def _wait_gone(pid: int | None, seconds: float = 30.0) -> None:
    # the connection's end is the child's exit under way; it is gone (its files closed, the
    # kernel reaps it: the server ignores SIGCHLD) within moments
    deadline = time.monotonic() + seconds
    while pid and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.002)
