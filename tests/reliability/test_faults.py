"""Atomicity under faults: a real child process doing the work is killed with SIGKILL at a
point it signals through a file (no exception the code could catch), and nothing half-done
remains: the warehouse keeps its tables' content, the lake keeps its previous partition; the
next run succeeds.

- warehouse load killed inside a month's transaction (DuckDB and PostgreSQL);
- lake partition written but the warehouse not (or never) loaded: the warehouse keeps the
  previous state until the next load brings it up to date;
- lake write killed while writing, and between the two renames of the partition swap."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from pg_helpers import scratch_database
from ucj import quarantine_view
from ucj.pipeline.batch import restore_interrupted_swap
from ucj.warehouse import load as wl

from reliability.helpers import (
    Env,
    checksums,
    enrollment_file,
    kill_when_signalled,
    load,
    month_rows,
    process_month,
    python,
    row,
)

PERIODE = "2026-02"

# The child: the same helpers the tests use, with a hook that signals and then waits to be
# killed when the work reaches ``UCJ_TEST_KILL_AT``.
CHILD = """
import os, sys, time
from pathlib import Path
signal_file = Path(os.environ["UCJ_TEST_SIGNAL"])
where = os.environ["UCJ_TEST_KILL_AT"]

def stop_here(what):
    signal_file.write_text(what)
    time.sleep(300)  # killed here

if where.startswith("publish:"):  # inside the publishing transaction, at a table's rows
    from ucj.warehouse import duckdb_backend, postgres_backend
    for cls in (duckdb_backend.DuckDBSession, postgres_backend.PostgresSession):
        def execute(self, sql, params=None, _original=cls.execute):
            if sql.startswith("INSERT INTO " + where[8:] + " "):
                stop_here(where[8:])
            return _original(self, sql, params)
        cls.execute = execute
elif where == "lake_write":
    from ucj.io import lake
    original = lake.PartWriter.write
    def write(self, table):  # a part of the month's valid rows being written
        original(self, table)
        if "quarantine" not in str(self.path) and "kpj" not in str(self.path) and self.rows:
            stop_here(str(self.path))
    lake.PartWriter.write = write
elif where == "lake_swap":
    from ucj.io import lake
    class Os:
        def __getattr__(self, name):
            return getattr(os, name)
        def replace(self, src, dst):
            # the quarantine swapped in, the valid partition moved aside, the new one not in
            final = os.path.join("enrollment", "periode=" + os.environ["UCJ_TEST_PERIODE"])
            if str(dst).endswith(final) and "quarantine" not in str(dst):
                stop_here(str(dst))
            return os.replace(src, dst)
    lake.os = Os()

from reliability.helpers import Env, load, process_month
env = Env(Path(os.environ["UCJ_LANDING_ZONE"]), Path(os.environ["UCJ_LAKE"]),
          Path(os.environ["UCJ_VALIDATION_DIR"]), os.environ["UCJ_WAREHOUSE_URL"])
if os.environ["UCJ_TEST_JOB"] == "load":
    load(env, [os.environ["UCJ_TEST_PERIODE"]], run_id="killed")
else:
    process_month(env, os.environ["UCJ_TEST_PERIODE"], chunk_rows=20)
print("finished without being killed")
"""


def kill_during(env: Env, job: str, kill_at: str, tmp_path: Path) -> str:
    """Run ``job`` (load / process) in a child, SIGKILL it where it signals; returns what it
    was doing."""
    signal_file = tmp_path / f"signal-{job}"
    child = python(CHILD, {**env.environ(), "UCJ_TEST_SIGNAL": str(signal_file),
                           "UCJ_TEST_KILL_AT": kill_at, "UCJ_TEST_JOB": job,
                           "UCJ_TEST_PERIODE": PERIODE},
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return kill_when_signalled(child, signal_file, timeout=120)


def redeliver(env: Env, people: int = 45) -> None:
    """A different February (other wages, more people, a bad row)."""
    rows = month_rows(PERIODE, people, salt=555) + [row(periode=PERIODE, kpj="00000000999",
                                                        upah="0")]
    enrollment_file(env, PERIODE, rows)


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def committed(env: Env) -> dict[str, str]:
    """The month's committed lake partitions (valid and quarantine), file by file."""
    return {**files(env.lake / "enrollment" / f"periode={PERIODE}"),
            **{f"q/{k}": v for k, v in files(
                env.lake / "quarantine" / "enrollment" / f"periode={PERIODE}").items()}}


@pytest.fixture(params=["duckdb", "postgres"])
def backend(request, world, tmp_path):
    """The seed world on DuckDB, or the same lake loaded into a scratch PostgreSQL."""
    if request.param == "duckdb":
        yield world
        return
    with scratch_database() as url:
        env = dataclasses.replace(world, warehouse_url=url)
        load(env, ["2026-01", PERIODE], run_id="seed")
        yield env


def test_a_killed_warehouse_load_leaves_the_warehouse_as_it_was(backend, tmp_path):
    env = backend
    before = checksums(env.warehouse_url)
    redeliver(env)
    process_month(env, PERIODE)
    # the lake holds the new month, the warehouse has not loaded it: still the previous state
    assert checksums(env.warehouse_url) == before

    doing = kill_during(env, "load", "publish:marts.mart_coverage", tmp_path)
    assert doing == "marts.mart_coverage"  # the month's core tables were replaced...
    assert checksums(env.warehouse_url) == before  # ...and rolled back with the kill

    # The next run brings the warehouse up to date: the same as a load never interrupted.
    load(env, [PERIODE], run_id="next")
    after = checksums(env.warehouse_url)
    assert after != before
    expected = Env.under(tmp_path / "expected")
    shutil.copytree(env.lake, expected.lake, dirs_exist_ok=True)
    load(expected, ["2026-01", PERIODE], run_id="expected")
    assert after == checksums(expected.warehouse_url)


def test_a_lake_write_killed_midway_keeps_the_previous_partition(world, tmp_path):
    before_lake, before_wh = committed(world), checksums(world.warehouse_url)
    redeliver(world, people=120)
    doing = kill_during(world, "process", "lake_write", tmp_path)
    assert ".staging" in doing  # it was writing a part of the new month, beside the lake
    assert committed(world) == before_lake
    leftovers = list((world.lake / ".staging").rglob("*.parquet"))
    assert leftovers  # hidden, never read: not a partition
    assert wl.enrollment_partitions(world.lake) == [
        world.lake / "enrollment" / f"periode={m}" for m in ("2026-01", PERIODE)]
    load(world, [PERIODE], run_id="after-kill")
    assert checksums(world.warehouse_url) == before_wh

    result = process_month(world, PERIODE)  # the next run succeeds and swaps in
    assert result["rows_read"] == 121 and result["rows_quarantined"] == 1
    assert committed(world) != before_lake


def test_a_kill_between_the_swap_renames_is_repaired_by_the_next_run(world, tmp_path):
    before_lake, before_wh = committed(world), checksums(world.warehouse_url)
    valid_before = files(world.lake / "enrollment" / f"periode={PERIODE}")
    redeliver(world)
    doing = kill_during(world, "process", "lake_swap", tmp_path)
    final = world.lake / "enrollment" / f"periode={PERIODE}"
    assert doing == str(final)  # killed with the old partition moved aside, the new not in
    assert not final.exists()
    # a warehouse load now fails clearly and changes nothing
    with pytest.raises(FileNotFoundError, match=PERIODE):
        load(world, [PERIODE], run_id="no-partition")
    assert checksums(world.warehouse_url) == before_wh

    saved = tmp_path / "lake-after-kill"
    shutil.copytree(world.lake, saved)
    assert restore_interrupted_swap(saved / "enrollment" / f"periode={PERIODE}")
    assert files(saved / "enrollment" / f"periode={PERIODE}") == valid_before  # intact

    result = process_month(world, PERIODE)  # repairs, then writes the new month
    assert result["rows_read"] == 46
    assert committed(world) != before_lake
    q = quarantine_view.query(world.lake, "enrollment", partition=PERIODE)
    assert q["row_number"].tolist() == [47]
