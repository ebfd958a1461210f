"""generate(): write a deterministic sample landing zone with its ground truth."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from . import dates, truth
from . import domain as d
from . import enrollment as enr
from . import reference as ref
from .apbdes import generate_apbdes
from .bad_rows import Planter, interleave
from .dates import normalise_months
from .history import History, build_history, placed_per_village
from .population import ROLE_NAMES
from .registry import generate_registry

MIN_PARTICIPANTS = 100


def bad_count(n_honest: int, bad_share: float) -> int:
    """Bad rows so that they are bad_share of all data rows of the file."""
    return int(round(bad_share * n_honest / (1.0 - bad_share)))


def _write(landing: Path, rel: str, data: bytes) -> None:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _write_reference(landing: Path, world: ref.World, years: list[int]) -> list[str]:
    files = []
    for year in years:
        for name, table in (("tenaga_kerja_desa", ref.tenaga_kerja_desa_table),
                            ("non_asn", ref.non_asn_table)):
            rel = f"reference/{name}_{year}.csv"
            ref.write_table(table(world, year), landing / rel)
            files.append(rel)
    ref.write_table(ref.umk_table(), landing / "reference/umk.csv")
    ref.write_table(ref.employers_table(world), landing / truth.TRUTH_DIR / "employers.csv")
    return files + ["reference/umk.csv"]


def _counts(values) -> dict[str, int]:
    counts = pd.Series(values, dtype=object).value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items())}


def _month_summary(snap: enr.Snapshot, kinds: list[str], quirks: dict, layout: dict) -> dict:
    f, aktif = snap.frame, snap.aktif
    per_person = np.bincount(snap.person)
    return {
        **layout,
        "rows": len(f) + len(kinds),
        "honest_rows": len(f),
        "bad_rows": len(kinds),
        "aktif_rows": int(aktif.sum()),
        "nonaktif_rows": int((~aktif).sum()),
        "persons": int(np.count_nonzero(per_person)),
        "persons_aktif": int(len(np.unique(snap.person[aktif]))),
        "persons_with_several_rows": int((per_person >= 2).sum()),
        "registered_in_month": int(snap.registered.sum()),
        "deactivated_in_month": int(snap.deactivated.sum()),
        "by_segmen": _counts(f["segmen"]),
        "by_kategori": _counts(f["kategori"]),
        "by_sumber_iuran": _counts(f["sumber_iuran"]),
        "quirks": quirks,
        "bad_rows_by_rule": _counts(kinds),
    }


def _run_summary(history: History, months: list[str], per_month: dict) -> dict:
    m = history.members
    seen = m["reg"] <= dates.month_bounds(months[-1])[1]
    multi = {
        ROLE_NAMES[r]: int(len(np.unique(m["person"][seen & (m["role"] == r)])))
        for r in range(1, len(ROLE_NAMES))
    }
    rules = Counter()
    for s in per_month.values():
        rules.update(s["bad_rows_by_rule"])
    return {
        "persons": int(len(np.unique(m["person"][seen]))),
        "memberships": int(seen.sum()),
        "multi_row_persons": multi,
        "bad_rows": int(sum(rules.values())),
        "bad_rows_by_rule": dict(sorted(rules.items())),
    }


def _enrollment_layout(months: list[str], xlsx_month: str | None) -> list[dict]:
    """File name and format per month; BOM and trailing blank lines on some CSVs, not all."""
    out, k = [], 0
    for month in months:
        fmt = "xlsx" if month == xlsx_month else "csv"
        out.append({
            "file": f"enrollment/kepesertaan_{month.replace('-', '')}.{fmt}",
            "format": fmt,
            "bom": fmt == "csv" and k % 2 == 0,
            "blank_lines_at_end": (2, 0, 1)[k % 3] if fmt == "csv" else 0,
        })
        k += fmt == "csv"
    return out


def _write_month(landing: Path, final: pd.DataFrame, month: str, layout: dict) -> None:
    if layout["format"] == "xlsx":
        data = enr.xlsx_bytes(final, month)
    else:
        data = enr.csv_bytes(final, layout["bom"], layout["blank_lines_at_end"])
    _write(landing, layout["file"], data)


class _Run:
    """One generate() call: the drawn district and history, and the month-by-month writer."""

    def __init__(self, landing: Path, months: list[str], participants: int, seed: int,
                 bad_share: float, xlsx_month: str | None, workers_per_employer: int):
        self.landing, self.months = landing, months
        self.world = ref.build_world(seed, participants, int(months[0][:4]),
                                     workers_per_employer)
        self.history = build_history(seed, self.world, months, participants)
        placed = placed_per_village(self.history, months[0], len(self.world.villages.codes))
        ref.settle_population(self.world, placed, participants, seed)
        ends = [dates.month_bounds(m)[1] for m in months]
        self.n_bad = [bad_count(int((self.history.members["reg"] <= e).sum()), bad_share)
                      for e in ends]
        start = dates.month_bounds(months[0])[0]
        self.planter = Planter(seed, self.world, sum(self.n_bad), start)
        self.quirk_rng, self.place_rng = d.stream(seed, "quirks"), d.stream(seed, "placement")
        self.layouts = _enrollment_layout(months, xlsx_month)
        self.truth_rows: list[tuple[str, int, str, str]] = []

    def month(self, i: int) -> dict:
        """Write month i's file (honest rows with quirks, bad rows spread through it)."""
        month, layout = self.months[i], self.layouts[i]
        snap = enr.snapshot(self.history, self.world, month)
        bad, kinds = self.planter.rows(snap.frame, month, self.n_bad[i])
        honest, quirks = enr.apply_quirks(self.quirk_rng, snap.frame)
        bad_pos, order = interleave(self.place_rng, len(honest), len(bad))
        final = pd.concat([honest, bad], ignore_index=True).iloc[order]
        _write_month(self.landing, final, month, layout)
        first = enr.FIRST_DATA_LINE[layout["format"]]
        self.truth_rows += [(layout["file"], int(p) + first, bad["kpj"].iat[j], kinds[j])
                            for j, p in enumerate(bad_pos)]
        return _month_summary(snap, kinds, quirks, layout)

    def summary(self, ref_files: list[str], per_month: dict, **args) -> dict:
        w = self.world
        return {
            "generator": "ucj_sample",
            **args,
            "months": self.months,
            "files": {"enrollment": [s["file"] for s in per_month.values()],
                      "reference": ref_files},
            "villages": len(w.villages.codes),
            "agencies": len(w.agencies.kode),
            "employers": int((~w.employers.contractor).sum()),
            "contractors": int(w.employers.contractor.sum()),
            **_run_summary(self.history, self.months, per_month),
            "per_month": per_month,
        }


def generate(
    landing: Path | str,
    months: list[str] | tuple[str, int] | str,
    participants: int,
    seed: int = 42,
    bad_share: float = 0.02,
    xlsx_month: str | None = None,
    workers_per_employer: int = 100,
    progress=None,
) -> dict:
    """Write enrollment, reference and _truth files under landing; return the summary.

    months: list of consecutive 'YYYY-MM', a single month, or (start, count).
    participants: honest rows of the first month (later months grow by new registrations).
    bad_share: planted bad rows as a share of all data rows of each enrollment file.
    xlsx_month: that month is delivered as .xlsx (2 title rows above the header) instead of .csv.
    workers_per_employer: participants per PU employer (25: a population of small firms).
    progress: called with a line per step (each month, the registry, the budgets) as it ends.
    """
    months = normalise_months(months)
    if participants < MIN_PARTICIPANTS:
        raise ValueError(f"participants must be at least {MIN_PARTICIPANTS}")
    if not 0.0 <= bad_share < 0.5:
        raise ValueError("bad_share must be in [0, 0.5)")
    if xlsx_month is not None and xlsx_month not in months:
        raise ValueError(f"xlsx_month {xlsx_month!r} is not one of the months")
    landing = Path(landing)
    if workers_per_employer < 5:
        raise ValueError("workers_per_employer must be at least 5")
    run = _Run(landing, months, participants, seed, bad_share, xlsx_month, workers_per_employer)
    ref_files = _write_reference(landing, run.world, sorted({int(m[:4]) for m in months}))
    started = time.time()
    say = progress or (lambda line: None)
    per_month = {}
    for i, month in enumerate(months):
        per_month[month] = run.month(i)
        say(f"  enrollment {month} written ({time.time() - started:.1f} s)")
    truth.write_truth(landing, run.truth_rows)
    summary = run.summary(ref_files, per_month, seed=seed, participants=participants,
                          bad_share=bad_share, xlsx_month=xlsx_month,
                          workers_per_employer=workers_per_employer)
    summary["registry"] = generate_registry(landing, months, seed, world=run.world,
                                            history=run.history)
    say(f"  registry written ({time.time() - started:.1f} s)")
    summary["village_budget"] = generate_apbdes(landing, sorted({int(m[:4]) for m in months}),
                                                seed)
    say(f"  village budgets written ({time.time() - started:.1f} s)")
    truth.write_summary(landing, summary)
    return summary
