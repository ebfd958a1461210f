"""python -m ucj_sample --landing DIR --start 2026-01 --months 3 --participants 60000"""

from __future__ import annotations

import argparse
import json
import time

from .core import generate
from .dates import month_range


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m ucj_sample", description=__doc__)
    parser.add_argument("--landing", required=True, help="landing zone directory to write")
    parser.add_argument("--start", required=True, help="first month, YYYY-MM")
    parser.add_argument("--months", type=int, default=1, help="number of consecutive months")
    parser.add_argument("--participants", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bad-share", type=float, default=0.02)
    parser.add_argument("--xlsx-month", default=None, help="deliver this month as .xlsx")
    parser.add_argument("--workers-per-employer", type=int, default=100,
                        help="participants per PU employer (25: a population of small firms)")
    args = parser.parse_args(argv)
    months = month_range(args.start, args.months)
    started = time.time()
    print(f"generating {len(months)} month(s) {months[0]}..{months[-1]}, "
          f"{args.participants:,} participants, into {args.landing} ...", flush=True)
    summary = generate(
        args.landing,
        months,
        participants=args.participants,
        seed=args.seed,
        bad_share=args.bad_share,
        xlsx_month=args.xlsx_month,
        workers_per_employer=args.workers_per_employer,
        progress=lambda line: print(line, flush=True),
    )
    print(f"generated in {time.time() - started:.1f} s", flush=True)
    brief = {k: summary[k] for k in ("months", "persons", "memberships", "bad_rows", "files")}
    print(json.dumps(brief, indent=2))
    return summary


if __name__ == "__main__":
    main()
