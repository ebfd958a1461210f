"""Sample village budgets: `village_budget/apbdes_YYYY.csv` for every desa, with ground truth.

    from ucj_sample.apbdes import generate_apbdes
    generate_apbdes("landing", [2026], seed=42)

Each desa gets a Siskeudes-shaped APBDes: revenue (4.1.x PAD, 4.2.1 Dana Desa, 4.2.2 BHP,
4.2.3 ADD, provincial and district aid in some), spending lines over bidang 01..05 with
several activities each, and financing. Dana Desa is a parameter (Rp147 billion a year by
default, DOMAIN.md) split over the 245 desa (a basic equal part plus a formula part), as is
Alokasi Dana Desa.

Premium lines follow the enrollment deliveries already in the landing zone: the latest month
file of the year is read back (its planted bad rows left out, as the pipeline quarantines
them) and the active participants with sumber_iuran DANA_DESA are placed per desa the way the
warehouse places them (among their DANA_DESA rows, latest tgl_kepesertaan, smallest kpj).
A desa budgets activity 01.01.03. (BPJS Ketenagakerjaan for its DANA_DESA-funded officials,
and in many desa BPJS Kesehatan too, which is not an employment premium) and a
vulnerable-worker line where it funds other participants; realisation follows the months
elapsed. Then mismatches are planted and written to ``_truth/apbdes_mismatches.csv`` (tahun,
kode_desa, rule, detail) with the alert rule each must raise:

- PREMI_PERANGKAT_TANPA_PESERTA: an officials' premium paid for the whole year with no
  DANA_DESA-funded official, or about six times what the funded officials cost;
- PREMI_RENTAN_TANPA_PESERTA: a vulnerable-worker premium for 8..30 persons where none is
  funded;
- PESERTA_PERANGKAT_TANPA_PREMI / PESERTA_RENTAN_TANPA_PREMI: funded participants, no line
  (only the health-insurance line is left in 01.01.03.).

Older exports: in every year but the last, and for a share of desa in the last, amounts carry
thousands separators and activity codes lose their trailing dot. A few bad lines per file,
each breaking exactly one contract rule, are listed in ``_truth/apbdes_bad_rows.csv`` (file,
row_number, kode_desa, rule). Deterministic for a seed.

This module draws each year and writes the file and its ground truth; the parts have a module
each: apbdes_funded (the participants a desa pays for, read back from the enrollment files),
apbdes_budget (the catalogue of lines and their amounts), apbdes_planted (which desa get a
mismatch, the bad lines and where they go).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import domain as d
from .apbdes_budget import COLUMNS, YearPlan, rupiah
from .apbdes_funded import dana_desa_participants, months_of_year, officials_roster
from .apbdes_planted import (
    BAD_KINDS,
    MISMATCH_RULES,
    draw_bad_lines,
    interleave,
    plan_mismatches,
)
from .reference import load_wilayah
from .truth import TRUTH_DIR

__all__ = ["BAD_KINDS", "COLUMNS", "MISMATCH_RULES", "dana_desa_participants",
           "generate_apbdes", "read_bad_rows", "read_mismatches"]

MISMATCH_FILE = "apbdes_mismatches.csv"
BAD_ROWS_FILE = "apbdes_bad_rows.csv"


def _csv(lines: list[dict]) -> bytes:
    rows = [";".join(COLUMNS)] + [";".join(x[c] for c in COLUMNS) for x in lines]
    return ("\n".join(rows) + "\n").encode("utf-8")


def generate_apbdes(
    landing: Path | str,
    years: list[int] | int,
    seed: int = 42,
    dana_desa_total: int = 147_000_000_000,
    add_total: int = 139_000_000_000,
    mismatches: int = 4,
    bad_lines: int = len(BAD_KINDS),
    old_export_share: float = 0.3,
    as_of: dict[int, str] | None = None,
) -> dict:
    """Write ``village_budget/apbdes_YYYY.csv`` for each year and the APBDes ground truth.

    dana_desa_total / add_total: Rupiah a year over all desa (DOMAIN.md; keep as parameters).
    mismatches: planted desa per alert rule (fewer when too few desa qualify).
    bad_lines: lines per file breaking exactly one contract rule.
    old_export_share: share of desa written as older exports in the last year (all desa in
    earlier years).
    as_of: month (YYYY-MM) the realisation is reported up to, per year; by default the latest
    enrollment month of the year in the landing zone, else December.
    """
    landing = Path(landing)
    years = sorted({int(y) for y in ([years] if isinstance(years, int | str) else years)})
    w = load_wilayah()
    desa = w[w["tingkat"] == "desa"].sort_values("kode_wilayah").reset_index(drop=True)
    truth_mismatch, truth_bad, files, per_year = [], [], [], {}
    for year in years:
        rng = d.stream(seed, f"apbdes_{year}")
        months = months_of_year(landing, year)
        month = (as_of or {}).get(year) or (months[-1][0] if months else f"{year}-12")
        month_file = dict(months).get(month)
        funded = (dana_desa_participants(landing, month_file) if month_file is not None else
                  pd.DataFrame(columns=["kode_desa", "group", "persons", "iuran"]))
        plan = YearPlan(rng, desa, year, int(month[5:]), funded,
                        officials_roster(landing, year), dana_desa_total, add_total,
                        old_export_share, all_old=year != years[-1])
        planted = plan_mismatches(rng, list(plan.desa["kode_wilayah"]), plan.persons,
                                  mismatches)
        built = [plan.build(i, planted) for i in range(len(desa))]
        for b, rule in built:
            if rule:
                p, iuran = plan.persons(b.kode, "perangkat" if "PERANGKAT" in rule else "rentan")
                truth_mismatch.append((year, b.kode, rule,
                                       f"peserta_dana_desa={p} iuran_bulan={rupiah(iuran)}"))
        honest = [x for b, _ in built for x in b.lines]
        bad = draw_bad_lines(rng, [b.lines for b, _ in built], year, bad_lines)
        lines, positions = interleave(rng, honest, bad)
        rel = f"village_budget/apbdes_{year}.csv"
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_csv(lines))
        files.append(rel)
        truth_bad += [(rel, int(p) + 2, line["kode_desa"], kind)
                      for p, (line, kind) in zip(positions, bad, strict=True)]
        per_year[str(year)] = {
            "file": rel, "as_of": month, "lines": len(lines), "bad_lines": len(bad),
            "dana_desa": int(plan.dd.sum()), "alokasi_dana_desa": int(plan.add.sum()),
            "old_export_desa": int(plan.old.sum()),
            "mismatches": {r: sum(1 for v in planted.values() if v == r)
                           for r in MISMATCH_RULES},
        }
    _write_truth(landing, MISMATCH_FILE, ["tahun", "kode_desa", "rule", "detail"],
                 sorted(truth_mismatch))
    _write_truth(landing, BAD_ROWS_FILE, ["file", "row_number", "kode_desa", "rule"],
                 sorted(truth_bad))
    return {"files": files, "desa": len(desa), "years": per_year,
            "bad_lines": len(truth_bad), "mismatches": len(truth_mismatch)}


def _write_truth(landing: Path, name: str, columns: list[str], rows: list[tuple]) -> None:
    path = landing / TRUTH_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=columns)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def read_mismatches(landing: Path | str) -> pd.DataFrame:
    frame = pd.read_csv(Path(landing) / TRUTH_DIR / MISMATCH_FILE, dtype=str,
                        keep_default_na=False)
    frame["tahun"] = frame["tahun"].astype("int64")
    return frame


def read_bad_rows(landing: Path | str) -> pd.DataFrame:
    frame = pd.read_csv(Path(landing) / TRUTH_DIR / BAD_ROWS_FILE, dtype=str,
                        keep_default_na=False)
    frame["row_number"] = frame["row_number"].astype("int64")
    return frame
