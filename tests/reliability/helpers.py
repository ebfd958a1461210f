"""Shared helpers of the reliability tests: a small landing zone, the pipeline run in-process
the way the DAG tasks run it, and content checksums of the warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from enrollment_rows import BASE, row, write_csv  # noqa: F401 - BASE, row re-exported
from reference_rows import write_tenaga_kerja

ROOT = Path(__file__).resolve().parents[2]
# Compared: every table of these schemas. audit.* records each run's history (run id, time,
# delivery attempts) and so differs between two runs by design; it is left out, and so is the
# one mart that only restates it per run (refresh time, last run id, hours since load).
LAYERS = ("staging", "core", "marts")
RUN_HISTORY = ("marts.mart_pipeline_health",)
# The month being loaded: empty outside a load on PostgreSQL, on DuckDB a view that exists only
# inside one (ucj.warehouse.duckdb_backend): there is nothing to compare between loads.
IN_LOAD_ONLY = ("staging.enrollment",)
DESA = ["32.13.01.2003", "32.13.01.2004", "32.13.02.2001"]


@dataclass(frozen=True)
class Env:
    landing: Path
    lake: Path
    validation: Path
    warehouse_url: str

    @classmethod
    def under(cls, folder: Path) -> Env:
        for sub in ("landing", "lake", "validation"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return cls(folder / "landing", folder / "lake", folder / "validation",
                   f"duckdb:///{folder / 'warehouse.duckdb'}")

    def environ(self) -> dict:
        return {"UCJ_LANDING_ZONE": str(self.landing), "UCJ_LAKE": str(self.lake),
                "UCJ_VALIDATION_DIR": str(self.validation),
                "UCJ_WAREHOUSE_URL": self.warehouse_url}


def nik(serial: int, woman: bool = False) -> str:
    return f"321301{55 if woman else 15}0590{serial:04d}"


def month_rows(periode: str, people: int, salt: int = 0) -> list[dict]:
    """``people`` valid participants of a month; ``salt`` changes wages (another delivery)."""
    out = []
    for i in range(1, people + 1):
        woman = i % 2 == 0
        out.append(row(periode=periode, kpj=f"{i:011d}", nik=nik(i, woman),
                       jenis_kelamin="P" if woman else "L", kode_desa=DESA[i % len(DESA)],
                       upah=str(3_000_000 + 1000 * i + salt), nama=f"Peserta {i}",
                       status="AKTIF" if i % 7 else "NONAKTIF",
                       tgl_nonaktif="" if i % 7 else "01/01/2026",
                       iuran="0" if i % 7 == 0 else str(100_000 + i)))
    return out


def enrollment_file(env: Env, periode: str, rows: list[dict]) -> Path:
    name = f"kepesertaan_{periode.replace('-', '')}.csv"
    return write_csv(env.landing / "enrollment" / name, rows)


def write_reference(env: Env) -> None:
    folder = env.landing / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    write_tenaga_kerja(folder / "tenaga_kerja_desa_2026.csv", 2026,
                       {k: (300 + i, 200 + i, 100 + i, 10 + i) for i, k in enumerate(DESA)})
    (folder / "non_asn_2026.csv").write_text(
        "tahun,kode_opd,nama_opd,npp,kode_desa,jumlah_non_asn\n"
        f"2026,1.01,Dinas Pendidikan,11111111,{DESA[2]},4\n")
    (folder / "umk.csv").write_text("tahun,umk\n2026,3737482\n")


def process_reference(env: Env) -> list[dict]:
    from ucj.io import lake, landing
    from ucj.pipeline import reference

    out = []
    for source in reference.delivered_files(str(env.landing)):
        table = reference.source_for(Path(source).name)
        raw = landing.copy_to_raw(str(env.landing), source, lake.raw_dir(
            env.lake, table, table.partition_of(Path(source).name)))
        out.append(reference.process(raw["path"], env.lake, env.validation,
                                     extra_manifest={"sha256": raw["sha256"]}))
    return out


def process_month(env: Env, periode: str, chunk_rows: int = 250_000) -> dict:
    """What the ucj_enrollment DAG's two tasks do for a month."""
    from ucj.io import lake, landing
    from ucj.pipeline import enrollment
    from ucj.sources import ENROLLMENT

    source = landing.find_delivery(str(env.landing), ENROLLMENT.landing_folder,
                                   enrollment.landing_names(periode))
    raw = landing.copy_to_raw(str(env.landing), source,
                              lake.raw_dir(env.lake, ENROLLMENT, periode))
    return enrollment.process(raw["path"], env.lake, env.validation, os.environ[
        "UCJ_PSEUDONYM_KEY"], chunk_rows=chunk_rows, extra_manifest={"sha256": raw["sha256"]})


def load(env: Env, months: list[str], run_id: str = "test") -> dict:
    """What the ucj_warehouse DAG's load and alerts tasks do for the given months."""
    from ucj import warehouse
    from ucj.warehouse import load as wl

    extras = [{"periode": m} for m in months]
    result = wl.run(env.warehouse_url, env.lake, extras, [], run_id)
    result.pop("summary", None)
    wh = warehouse.connect(env.warehouse_url)
    try:
        wl.store_alerts(wh, result)
    finally:
        wh.close()
    return result


def checksums(url: str, layers=LAYERS) -> dict[str, str]:
    """md5 of each table's sorted rows (doubles rounded to 9 decimals), per schema.table."""
    from ucj import warehouse

    wh = warehouse.connect(url, read_only=True)
    try:
        cols = wh.query(
            "SELECT table_schema, table_name, column_name, data_type "
            "FROM information_schema.columns WHERE table_schema IN ('staging', 'core', 'marts') "
            "ORDER BY table_schema, table_name, ordinal_position")
        cols = cols[cols["table_schema"].isin(layers)]
        out = {}
        for (schema, table), c in cols.groupby(["table_schema", "table_name"], sort=True):
            if f"{schema}.{table}" in RUN_HISTORY + IN_LOAD_ONLY:
                continue
            parts = []
            for name, kind in zip(c["column_name"], c["data_type"], strict=True):
                ident = '"' + name + '"'
                if str(kind).upper() in ("DOUBLE", "FLOAT", "REAL", "DOUBLE PRECISION"):
                    ident = f"CAST({ident} AS DECIMAL(38, 9))"  # both backends
                parts.append(f"COALESCE(CAST({ident} AS VARCHAR), '<null>')")
            line = " || '|' || ".join(parts)
            sql = (f"SELECT md5(COALESCE(string_agg(line, chr(10) ORDER BY line), '')) AS h, "
                   f"count(*) AS n FROM (SELECT {line} AS line FROM {schema}.{table}) t")
            got = wh.query(sql)
            out[f"{schema}.{table}"] = f"{got['h'][0]}:{int(got['n'][0])}"
        return out
    finally:
        wh.close()


def python(code: str, env: dict, **kw) -> subprocess.Popen:
    """A child Python process with the test's environment (and ``tests`` importable)."""
    full = {**os.environ, **env,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", code], env=full, **kw)


def wait_for_file(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not path.exists():
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"child exited ({proc.returncode}) before {path.name}: {out}")
        if time.time() > deadline:
            proc.kill()
            raise TimeoutError(f"no {path.name} after {timeout}s")
        time.sleep(0.05)



def lake_state(lake: Path, raw: bool = True, staging: bool = False) -> dict[str, str]:
    """Every file of the lake with its SHA-256; raw copies unless ``raw`` is False, the
    staging folders of runs in progress only when ``staging`` is True."""
    import hashlib

    return {str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake.rglob("*"))
            if p.is_file() and (staging or ".staging" not in p.parts)
            and (raw or p.parts[len(lake.parts)] != "raw")}


def kill_when_signalled(child: subprocess.Popen, signal_file: Path, timeout: float) -> str:
    """SIGKILL ``child`` (a process this test started) once it writes ``signal_file``; what
    the file says (where the child was)."""
    import signal

    try:
        wait_for_file(signal_file, child, timeout=timeout)
        os.kill(child.pid, signal.SIGKILL)  # the child this test started, by its id
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    return signal_file.read_text()


def npwp(i: int) -> str:
    """A legacy 15-digit NPWP whose check digit (Luhn over the first 9) is right."""
    from ucj.contracts.registry import luhn_ok

    body = f"{10_000_000 + i:08d}"
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    return f"{body}{check}000000"


def company(i: int, **changes) -> dict:
    """A valid registry record as the API sends it."""
    record = {
        "nib": f"{9120000000000 + i:013d}", "npp": f"{10000000 + i:08d}", "npwp": npwp(i),
        "nama_perusahaan": f"PT CONTOH {i}", "kbli": "47111", "skala_usaha": "KECIL",
        "kode_desa": DESA[i % len(DESA)], "jumlah_tk_laki": 3, "jumlah_tk_perempuan": 2,
        "jumlah_tk_wlkp": 5, "tgl_lapor_wlkp": "2026-01-15", "status_usaha": "AKTIF",
        "updated_at": f"2026-01-{10 + i % 18:02d}T08:00:00+07:00",
    }
    record.update(changes)
    return record


def write_jsonl(path: Path, records: list) -> Path:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n"
                            for r in records), encoding="utf-8")
    return path
