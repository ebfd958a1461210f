"""What a Data Docs build costs as the site's history grows: the build after a batch (its page
and the site index, as ``ucj.validation.datadocs.build`` runs it) with the index made by GX's
``DefaultSiteIndexBuilder`` (the peer: it loads every stored result to index it) and by ours
(``ucj.validation.datadocs_index``: each result's facts kept beside the results), in the same
process, on the same site.

    scripts/env.sh python benchmarks/datadocs_bench.py [--history 1 10 40 100] [--rows 20000]

The stored result is a real one: the generator's month of ``--rows`` rows validated once;
the history is copies of it under other run times (a month validated again and again).
Each figure is the median of ``--repeats`` builds, each after one more result was stored.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from validation_profile import month_file

DEFAULT = {"class_name": "DefaultSiteIndexBuilder",
           "module_name": "great_expectations.render.renderer.site_builder"}


def page_of(site: Path, key) -> Path:
    """The site's page of a validation result (GX's layout: suite, run name, run time)."""
    return site.joinpath("validations", *key.expectation_suite_identifier.name.split("."),
                         *key.run_id.to_tuple(), f"{key.batch_identifier}.html")


def store_copies(ctx, key, result, count: int, start: datetime, site: Path) -> list:
    """``count`` copies of ``result`` under run times after ``start``, each with its page
    (a copy of the original's, as its own build would have left it); their keys."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ValidationResultIdentifier,
    )

    keys = []
    for i in range(count):
        run_id = RunIdentifier(run_name=key.run_id.run_name,
                               run_time=start + timedelta(seconds=i))
        copy = ValidationResultIdentifier(
            expectation_suite_identifier=key.expectation_suite_identifier, run_id=run_id,
            batch_identifier=key.batch_identifier)
        ctx.validation_results_store.set(copy, result)
        page = page_of(site, copy)
        page.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page_of(site, key), page)
        keys.append(copy)
    return keys


def timed_build(validation_dir: Path, builder: dict | None, key) -> float:
    """One build of ``key``'s page and the index, in a fresh context as the pipeline's."""
    from ucj.validation import datadocs

    started = time.perf_counter()
    ctx = datadocs._file_context(validation_dir)
    if builder is not None:
        sites = ctx.variables.data_docs_sites
        sites[datadocs.SITE]["site_index_builder"] = builder
        ctx.variables.data_docs_sites = sites
    ctx.build_data_docs(site_names=[datadocs.SITE],
                        resource_identifiers=[key, key.expectation_suite_identifier])
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--history", type=int, nargs="+", default=[1, 10, 40, 100])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", help="where the month is kept (default: a temporary folder)")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ucj-datadocs-"))
    from ucj.pipeline import enrollment
    from ucj.validation import datadocs

    val = workdir / "datadocs-bench"
    shutil.rmtree(val, ignore_errors=True)
    print(f"validating a month of {args.rows:,} rows once ...")
    enrollment.process(month_file(workdir, args.rows), val / "lake", val / "validation", "key")
    ctx = datadocs._file_context(val / "validation")
    [key] = ctx.validation_results_store.list_keys()
    result = ctx.validation_results_store.get(key)
    size = sum(p.stat().st_size for p in (val / "validation" / "gx" / "uncommitted"
                                          / "validations").rglob("*.json"))
    site = datadocs.site_index(val / "validation").parent
    assert page_of(site, key).is_file()
    print(f"one stored result: {size / 1024:.0f} KB; each build below adds one more result")
    print(f"{'results':>8} {'GX default index':>17} {'ours':>8} {'ratio':>7}")
    stored, start = 1, datetime(2027, 1, 1, tzinfo=UTC)
    for history in args.history:
        start += timedelta(days=1)
        store_copies(ctx, key, result, history - stored, start, site)
        stored = history
        timed_build(val / "validation", None, key)  # facts of every result so far
        seconds = {"gx": [], "ours": []}
        for i in range(args.repeats):
            start += timedelta(hours=1)
            [new] = store_copies(ctx, key, result, 1, start, site)
            stored += 1
            order = ("gx", "ours") if i % 2 == 0 else ("ours", "gx")
            for who in order:
                seconds[who].append(timed_build(val / "validation",
                                                DEFAULT if who == "gx" else None, new))
        gx, ours = (statistics.median(seconds[w]) for w in ("gx", "ours"))
        print(f"{history:>8} {gx:>15.2f} s {ours:>6.2f} s {gx / ours:>6.1f}x")
    shutil.rmtree(val, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
