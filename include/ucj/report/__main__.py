"""Render the monthly HTML report from the warehouse.

    scripts/env.sh python -m ucj.report [--periode YYYY-MM] [--target 34.99] [--out DIR]

Defaults: the latest month in the warehouse, the target of ``UCJ_TARGET_COVERAGE`` (percent)
or RKP 2026's 34.99 %, and ``<lake parent>/reports``. Prints the file written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ucj import config, warehouse
from ucj.report import html


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--periode", help="month YYYY-MM (default: the latest loaded)")
    ap.add_argument("--target", help="UCJ coverage target in percent (default: "
                                     f"${html.TARGET_ENV} or {html.pct(html.DEFAULT_TARGET)})")
    ap.add_argument("--target-name", default=None, help="what the target is, e.g. 'RPJMN 2029'")
    ap.add_argument("--out", type=Path, help="output folder (default: <lake parent>/reports)")
    args = ap.parse_args(argv)
    cfg = config.from_env()
    target = html.target_from(args.target) if args.target else html.env_target()
    wh = warehouse.connect(cfg.warehouse_url, read_only=True)
    try:
        path = html.write_report(wh, args.out or html.report_dir(cfg.lake), args.periode,
                                 target, args.target_name)
    finally:
        wh.close()
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
