"""Where the validation of a month spends its time: ``ucj.pipeline.enrollment.process`` (one
worker, in this process) under cProfile, its time split by step.

    scripts/env.sh python benchmarks/validation_profile.py [--rows 2000000] [--workdir DIR]

The month is the generator's (``--rows`` rows, written once to ``--workdir`` and reused).
Steps nest (the GX runs are part of the validation engine, the person key part of typing);
shares are of the whole run. cProfile slows Python-heavy code more than the work done in
Arrow, DuckDB or numpy, so the shares are a guide, not a measurement of wall time
(``pipeline_bench.py`` measures that).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

MONTH = "2026-01"



def steps() -> list[tuple[str, object]]:
    """(label, code object): a step is its function's cumulative time."""
    from ucj import pseudonym
    from ucj.contracts import enrollment as contract
    from ucj.io import lake, readers
    from ucj.pipeline import enrollment
    from ucj.validation import engine

    gx_run = next(c for c in engine._suite_runner.__code__.co_consts
                  if getattr(c, "co_name", None) == "run")
    return [
        ("reading the CSV (both passes)", readers.read_csv_chunks.__code__),
        ("validation engine (ours and GX)", engine.Validator.validate.__code__),
        ("  GX runs", gx_run),
        ("derived columns (prepare)", contract.prepare.__code__),
        ("typing (transform)", enrollment.transform.__code__),
        ("  person key (HMAC-SHA256)", pseudonym.person_keys.__code__),
        ("writing Parquet", lake._ParquetSink.write.__code__),
        ("repeated kpjs (DuckDB count)", enrollment.find_duplicates.__code__),
        ("commit (report, Data Docs, swap)", enrollment.commit.__code__),
    ]


def month_file(workdir: Path, rows: int) -> Path:
    from ucj.generate import generate

    landing = workdir / f"landing-{rows}"
    path = landing / "enrollment" / f"kepesertaan_{MONTH.replace('-', '')}.csv"
    if not path.exists():
        generate(landing, [MONTH], rows, seed=11)
    return path


def cumulative(stats: pstats.Stats, code) -> float:
    entry = stats.stats.get((code.co_filename, code.co_firstlineno, code.co_name))
    return entry[3] if entry else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--workdir", help="where the month is kept (default: a temporary folder)")
    args = ap.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ucj-profile-"))
    path = month_file(workdir, args.rows)
    started = time.perf_counter()
    from ucj.pipeline import enrollment
    from ucj.validation.engine import _gx_context

    _gx_context()  # GX's import and context: per process, not per row
    print(f"importing the pipeline and GX: {time.perf_counter() - started:.1f} s")
    out = workdir / "profile-run"
    shutil.rmtree(out, ignore_errors=True)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(enrollment.process, path, out / "lake", out / "validation", "profile-key")
    total = time.perf_counter() - started
    stats = pstats.Stats(profile)
    print(f"{args.rows:,} rows, one worker, under cProfile: {total:.1f} s")
    for label, code in steps():
        seconds = cumulative(stats, code)
        print(f"  {label:<36} {seconds:7.1f} s  {seconds / total:5.0%}")
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
