"""Where the validation of a month spends its time: ``ucj.pipeline.enrollment.process`` (one
worker, in this process) with a wall-clock timer around each step's function.

    scripts/env.sh python benchmarks/validation_profile.py [--rows 2000000] [--workdir DIR]

The month is the generator's (``--rows`` rows, written once to ``--workdir`` and reused).
Steps nest (the GX runs are part of the validation engine, the person key part of typing);
shares are of the whole run. Reading and writing run on threads of their own beside the
validation (``ucj.pipeline.overlap``), so the shares add up to more than the whole.
Timers, not cProfile: a profiler slows the Python-heavy steps (a loop per NIK) far more than
the work done in Arrow, DuckDB or numpy.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

MONTH = "2026-01"


def month_file(workdir: Path, rows: int) -> Path:
    from ucj_sample import generate

    landing = workdir / f"landing-{rows}"
    path = landing / "enrollment" / f"kepesertaan_{MONTH.replace('-', '')}.csv"
    if not path.exists():
        generate(landing, [MONTH], rows, seed=11)
    return path


def timed(seconds: Counter, label: str, fn):
    """``fn`` adding its wall time to ``seconds[label]`` (a generator: the time of each of
    its items)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            items = fn(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    seconds[label] += time.perf_counter() - started
                yield item
        return generator

    @functools.wraps(fn)
    def call(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[label] += time.perf_counter() - started
    return call


SMALL = 1_000  # a GX run on fewer rows than this is mostly GX's fixed cost


def counted(seconds: Counter, expectations: int, run):
    """``run`` (a GX suite runner of ``expectations``) counting its runs in ``seconds``, and
    timing apart the runs on small frames, where GX's fixed costs are all there is."""
    @functools.wraps(run)
    def call(frame):
        seconds["gx runs"] += 1
        seconds["gx expectations"] += expectations
        if len(frame) >= SMALL:
            return run(frame)
        started = time.perf_counter()
        try:
            return run(frame)
        finally:
            seconds["gx small runs"] += 1
            seconds["gx small expectations"] += expectations
            seconds["gx small seconds"] += time.perf_counter() - started
    return call


def instrument(seconds: Counter) -> list[str]:
    """Wrap each step's function where the pipeline looks it up; the labels, in order."""
    from ucj import pseudonym
    from ucj.contracts import enrollment as contract
    from ucj.io import lake
    from ucj.pipeline import enrollment
    from ucj.validation import engine

    runner = engine._suite_runner
    steps = [
        ("planning the parts (line cuts)", enrollment, "plan"),
        ("reading the CSV (both passes)", enrollment, "read_csv_chunks"),
        ("validation engine (ours and GX)", engine.Validator, "validate"),
        ("derived columns (prepare)", contract, "prepare"),
        ("typing (transform)", enrollment, "transform"),
        ("  person key (HMAC-SHA256)", pseudonym, "person_keys"),
        ("writing Parquet", lake._ParquetSink, "write"),
        ("repeated kpjs (DuckDB count)", enrollment, "find_duplicates"),
        ("commit (report, Data Docs, swap)", enrollment, "commit"),
    ]
    for label, owner, name in steps:
        setattr(owner, name, timed(seconds, label, getattr(owner, name)))
    # each column group's GX suite runner is made when the validator is built
    engine._suite_runner = lambda *args: counted(seconds, len(args[2]), timed(
        seconds, "  GX runs", runner(*args)))
    labels = [label for label, _, _ in steps]
    return labels[:3] + ["  GX runs"] + labels[3:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--workdir", help="where the month is kept (default: a temporary folder)")
    args = ap.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ucj-profile-"))
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also in a log
    print(f"writing a month of {args.rows:,} rows in {workdir} ...")
    path = month_file(workdir, args.rows)
    started = time.perf_counter()
    from ucj.pipeline import enrollment
    from ucj.validation.engine import _gx_context

    _gx_context()  # GX's import and context: per process, not per row
    print(f"importing the pipeline and GX: {time.perf_counter() - started:.1f} s")
    seconds: Counter = Counter()
    labels = instrument(seconds)
    out = workdir / "profile-run"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    print("validating it with one worker ...")
    enrollment.process(path, out / "lake", out / "validation", "profile-key")
    total = time.perf_counter() - started
    print(f"{args.rows:,} rows, one worker: {total:.1f} s")
    for label in labels:
        print(f"  {label:<36} {seconds[label]:7.1f} s  {seconds[label] / total:5.0%}")
    small = seconds["gx small expectations"]
    print(f"GX: {seconds['gx runs']:,} runs of {seconds['gx expectations']:,} expectations; "
          f"on frames under {SMALL:,} rows {seconds['gx small runs']:,} runs of {small:,} "
          f"expectations took {seconds['gx small seconds']:.2f} s "
          f"({1000 * seconds['gx small seconds'] / max(small, 1):.1f} ms an expectation)")
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
