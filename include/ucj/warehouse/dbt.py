"""Run the warehouse's dbt project (``include/sql``) in dbt's own interpreter.

dbt lives in a virtual environment of its own (``.venv-dbt``, ``requirements-dbt.txt``): it
does not resolve beside Airflow 3.3 (pathspec), and dbt-core 1.12 cannot be installed here
(README, "dbt"). This module only starts that interpreter's ``dbt`` with the run's vars and
reads what it wrote (``run_results.json``): no dbt import in the Airflow environment. Where
the worker keeps dbt's interpreter warm (``ucj.warehouse.warm``) the same command runs in a
child of it, which has dbt imported already.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ucj.config import sql_dir
from ucj.warehouse import warm

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[3]
DBT_ENV = "UCJ_DBT_EXECUTABLE"

# dbt dies with the loader that started it. Killed alone (the OOM killer, a supervisor
# killing the task's process and not its group), the loader would leave dbt building on as an
# orphan: holding its read lock on the DuckDB warehouse, or writing into the PostgreSQL build
# schema a retry of the run has just dropped and made again, which that retry would then
# publish. On Linux the kernel kills dbt when its parent dies (prctl PR_SET_PDEATHSIG, kept
# across exec); set in the new process itself before it becomes dbt, not in a preexec_fn
# (unsafe where the loader has threads). A loader that died before the signal was set is
# seen as a changed parent: dbt does not start.
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
parent = int(sys.argv[1])
if sys.platform.startswith("linux"):
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() != parent:
    sys.exit("the loader that started dbt has exited")
os.execvp(sys.argv[2], sys.argv[2:])
"""


def _with_parent(cmd: list[str]) -> list[str]:
    return [sys.executable, "-S", "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd]


class DbtFailed(RuntimeError):
    """dbt build failed: a model, a contract or a data test (named in the message)."""


def executable() -> str:
    """``UCJ_DBT_EXECUTABLE``, else the repository's ``.venv-dbt``, else ``dbt`` on PATH."""
    found = os.environ.get(DBT_ENV)
    if found:
        return found
    local = ROOT / ".venv-dbt" / "bin" / "dbt"
    return str(local) if local.exists() else "dbt"


def start_warm() -> str | None:
    """Start this worker's warm dbt interpreter (``ucj.warehouse.warm``), which the task
    processes it forks then use; its socket, or None (logged) where dbt's interpreter is not
    found behind :func:`executable` or does not start. Call it from a thread that lives as
    long as the worker (its main thread): the interpreter dies with the thread that started
    it (PR_SET_PDEATHSIG is per thread)."""
    python = _interpreter_of(executable())
    if python is None:
        log.warning("no Python interpreter found behind %s: each warehouse build starts dbt "
                    "itself, importing dbt again", executable())
        return None
    return warm.start(_with_parent([python, "-I", str(warm.SERVER)]))


def _interpreter_of(script: str) -> str | None:
    # a console script's first line names its virtual environment's interpreter; where that
    # path does not fit a shebang (127 bytes on Linux) or holds a space, pip writes a /bin/sh
    # trampoline instead, whose second line execs the interpreter (shell quoting: three
    # quotes, exec, the interpreter's path, "$0" "$@")
    found = shutil.which(script)
    if not found:
        return None
    with open(found, "rb") as fh:
        first, second = fh.readline(4096), fh.readline(4096)
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode(errors="replace").split()
    python = words[0] if words else ""
    if python == "/bin/sh":
        try:
            words = shlex.split(second.decode(errors="replace"))
        except ValueError:
            words = []
        python = words[1] if len(words) > 1 and words[0] == "exec" else ""
    return python if Path(python).name.startswith("python") and os.access(python, os.X_OK) \
        else None


def work_dir() -> Path:
    """dbt's target and log folders (outside the source tree: the image's is read-only)."""
    home = Path(os.environ.get("UCJ_HOME", Path.cwd() / ".local"))
    return Path(os.environ.get("UCJ_DBT_WORK_DIR", home / "dbt"))


@dataclass
class Result:
    seconds: float
    nodes: list[dict]  # unique_id, status, execution_time, message (run_results.json)
    target_path: Path
    graph_seconds: float = 0.0  # run_results.json's elapsed_time: the nodes, side by side


def run(args: list[str], env: dict[str, str], target_path: Path) -> Result:
    """``dbt <args>``; raises :class:`DbtFailed` naming what failed. (The run's scope is staged
    in the build, not passed as vars: dbt re-parses everything when vars change.)"""
    target_path.mkdir(parents=True, exist_ok=True)
    _forget_the_parse_of_other_files(target_path)
    full_env = {**os.environ, **env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # partial parsing is kept per target folder; a folder per backend keeps it warm
    # no version check (no internet on the workers), no cache of every relation up front;
    # dbt's log file keeps warnings and errors only: at its default (debug) it writes every
    # statement of every node, Python work under one lock that every node pays (the
    # statements are in the target folder's run/ and compiled/ all the same)
    cmd = [executable(), "--no-version-check", "--no-populate-cache", "--quiet",
           "--log-level-file", "warn", *args,
           "--project-dir", str(sql_dir()), "--profiles-dir", str(sql_dir()),
           "--target-path", str(target_path), "--log-path", str(work_dir() / "logs")]
    started = time.perf_counter()
    answer = warm.build(cmd[1:], full_env)  # dbt imported once per worker, where one runs
    cold = answer is None
    if cold:
        proc = subprocess.run(_with_parent(cmd), env=full_env, capture_output=True, text=True,
                              check=False)
        answer = proc.returncode, proc.stdout + proc.stderr
    seconds = time.perf_counter() - started
    returncode, output = answer
    nodes, graph_seconds = _results(target_path)
    if returncode != 0:
        failed = [f"{n['unique_id']}: {n['status']} {n.get('message') or ''}".strip()
                  for n in nodes if n["status"] in ("error", "fail", "runtime error")]
        detail = "\n".join(failed) or output[-4000:]
        raise DbtFailed(f"dbt {' '.join(args[:1])} failed in {sql_dir()}:\n{detail}")
    log.info("dbt %s: %.1f s, %d nodes%s", args[0], seconds, len(nodes),
             "" if cold else " (warm interpreter)")
    return Result(seconds, nodes, target_path, graph_seconds)


PARSED_FILES = "ucj_parsed_files.sha256"


def _forget_the_parse_of_other_files(target_path: Path) -> None:
    """A full parse when the project's files are not those the target folder last parsed.
    dbt's partial parse can keep a YAML it should have read again: releases each in a folder
    of their own, dbt's target folder kept, a release with a macro and a YAML key, the one
    before without them (a rollback), then the first again: the last parse kept the
    rollback's YAML (dbt-core 1.11.16, ``dbt parse`` alone; tests/test_dbt_parse.py). The
    files are hashed (milliseconds); when they changed, dbt's partial-parse state goes and
    dbt parses in full, once per change."""
    digest = _project_digest()
    stamp = target_path / PARSED_FILES
    if stamp.exists() and stamp.read_text() == digest:
        return
    (target_path / "partial_parse.msgpack").unlink(missing_ok=True)
    stamp.write_text(digest)


def _project_digest() -> str:
    """One hash of the dbt project's files and its seeds' (dbt_project.yml: seed-paths)."""
    root = sql_dir()
    h = hashlib.sha256()
    for top in (root, root.parent / "ucj" / "reference"):
        for f in sorted(top.rglob("*")):
            rel = f.relative_to(top)
            if not f.is_file() or rel.parts[0] in ("target", "dbt_packages", "logs"):
                continue
            h.update(f"{top.name}/{rel.as_posix()}\0".encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _results(target_path: Path) -> tuple[list[dict], float]:
    path = target_path / "run_results.json"
    if not path.exists():
        return [], 0.0
    data = json.loads(path.read_text())
    return [{"unique_id": r["unique_id"], "status": r["status"],
             "execution_time": r.get("execution_time"), "message": r.get("message")}
            for r in data.get("results", [])], float(data.get("elapsed_time") or 0.0)


def publishable(target_path: Path) -> list[dict]:
    """The models the loader publishes, in dependency order: name, schema, key, scope and
    column names, from dbt's manifest (``meta.publish`` in the models' YAML)."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    order = _topological(manifest)
    out = []
    for uid in order:
        node = manifest["nodes"][uid]
        publish = node.get("config", {}).get("meta", {}).get("publish")
        if node["resource_type"] != "model" or not publish:
            continue
        out.append({"name": node["name"], "schema": publish["schema"], "key": publish["key"],
                    "scope": publish["scope"], "columns": list(node["columns"]),
                    "unique_index": publish.get("unique_index"),
                    "duckdb_uncompressed": publish.get("duckdb_uncompressed") or [],
                    "description": node.get("description") or "",
                    "column_descriptions": {c: v.get("description") or ""
                                            for c, v in node["columns"].items()}})
    return out


def _topological(manifest: dict) -> list[str]:
    deps = {uid: [d for d in n.get("depends_on", {}).get("nodes", []) if d in manifest["nodes"]]
            for uid, n in manifest["nodes"].items()}
    seen: set[str] = set()
    order: list[str] = []

    def visit(uid: str) -> None:
        if uid in seen:
            return
        seen.add(uid)
        for d in deps.get(uid, []):
            visit(d)
        order.append(uid)

    for uid in sorted(deps):
        visit(uid)
    return order


def docs(out_dir: Path, target: Path, backend: str) -> Path:
    """The dbt docs site (lineage, models, columns, tests) as one static page in ``out_dir``:
    from the manifest of the last build, without a database (an empty catalog: the columns
    shown are the documented ones, the contracts make them the tables' own). On a host that
    has not built the warehouse itself (several Celery workers: the build ran on another),
    there is no manifest here: the project is parsed first (no database needed), which
    documents the same models."""
    if not (target / "manifest.json").exists():
        run(["parse", "--target", backend], {"UCJ_DBT_TARGET": backend}, target)
    run(["docs", "generate", "--no-compile", "--empty-catalog", "--static",
         "--target", backend], {"UCJ_DBT_TARGET": backend}, target)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    page.write_bytes((target / "static_index.html").read_bytes())
    return page
