"""Company registry (Disnakertrans WLKP + OSS) snapshots beside the enrollment files.

    from ucj_sample.registry import generate_registry
    generate_registry("landing", ("2026-01", 3), seed=42, participants=60000)

Writes ``registry/perusahaan_YYYYMMDD.csv`` at every month's end (the contract's fields, `,`,
UTF-8: the state of every company as of that day; a record's ``updated_at`` moves only when
the record changes, so an ``updated_since`` extraction sees only changed companies), and the
ground truth ``_truth/registry_patterns.csv`` (nib, npp, rule, periode, consequence_of: one
line per company and month where a compliance rule holds by its DOMAIN.md meaning, with the
planted event it follows from when it is one's consequence, e.g. PDS TK after a drop; the
registry answering by its dates, companies.truth) with the side file
``_truth/registry_companies.csv`` (each company's planted role).

Companies are the PU employers of the enrollment generator's pool (agencies, village
governments and construction contractors are not in the registry) plus companies without an
npp. Their headcounts, patterns and WLKP reports are drawn in patterns.py together with the
membership history, so the participant side of every pattern is in the enrollment files.

``skala_usaha`` follows the WLKP headcount (a loose reading of Indonesian practice, where the
formal criterion is capital and turnover): MIKRO 0-4 workers, KECIL 5-19, MENENGAH 20-99,
BESAR 100 and more.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from ucj.registry.records import FIELDS

from . import companies, dates, truth
from . import domain as d
from .history import History, build_history
from .reference import World, build_world

TRUTH_FILE = "registry_patterns.csv"
COMPANIES_FILE = "registry_companies.csv"
TRUTH_COLUMNS = ["nib", "npp", "rule", "periode", "consequence_of"]

# (KBLI 2020, word used in names, relative frequency) for Subang's private employers
INDUSTRIES = (
    ("14111", "Garmindo", 5), ("15201", "Footwear", 2), ("10710", "Bakery", 1),
    ("10631", "Beras", 2), ("22220", "Plastindo", 2), ("29300", "Autoparts", 2),
    ("27320", "Kabelindo", 1), ("16101", "Kayu", 1), ("47111", "Swalayan", 2),
    ("56101", "Resto", 2), ("55110", "Hotel", 1), ("49431", "Transport", 1),
    ("52101", "Logistik", 1), ("01220", "Agro Nanas", 2), ("01270", "Perkebunan", 1),
    ("01462", "Poultry", 1), ("03221", "Perikanan", 1), ("41011", "Bangun", 1),
)
NAME_WORDS = (
    "Subang", "Pakuan", "Sinar", "Mitra", "Karya", "Tirta", "Cahaya", "Maju", "Sari", "Jaya",
    "Mulya", "Abadi", "Sentosa", "Makmur", "Harapan", "Nusantara", "Pasundan", "Parahyangan",
    "Ciater", "Tangkuban", "Kalijati", "Pamanukan", "Gunung", "Sumber", "Berkah", "Lestari",
    "Agung", "Sejahtera", "Indah", "Mandiri", "Perkasa", "Utama",
)
KPP = ("438", "438", "438", "409", "423")  # tax office codes, most in Subang
KBLI_LOST_ZERO = 0.3  # codes starting with 0 that a spreadsheet turned into 4 digits
NPWP_FORMS = (("formatted", 0.5), ("bare", 0.35), ("nik16", 0.15))


def _luhn_digit(body: str) -> str:
    """The check digit making body + digit pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        k = int(ch) * (2 if i % 2 == 0 else 1)
        total += k - 9 if k > 9 else k
    return str((10 - total % 10) % 10)


def npwp_text(rng: np.random.Generator, serial: int) -> str:
    """A legacy entity NPWP (Luhn check digit over the first 9 digits) in one of the three
    forms the contract allows: formatted, bare 15 digits, or 16 digits (0 + legacy)."""
    body = f"0{rng.integers(1, 4)}{serial:06d}"
    legacy = body + _luhn_digit(body) + KPP[rng.integers(0, len(KPP))]
    legacy += "000" if rng.random() < 0.9 else f"{rng.integers(1, 4):03d}"
    form = rng.choice(len(NPWP_FORMS), p=[p for _, p in NPWP_FORMS])
    if NPWP_FORMS[form][0] == "formatted":
        s = legacy
        return f"{s[:2]}.{s[2:5]}.{s[5:8]}.{s[8]}-{s[9:12]}.{s[12:]}"
    return legacy if NPWP_FORMS[form][0] == "bare" else "0" + legacy


class Identities:
    """What OSS knows of each company of the plan: nib, npwp, name, KBLI."""

    def __init__(self, seed: int, plan: companies.CompanyPlan):
        rng = d.stream(seed, "registry_identity")
        n = len(plan.companies)
        prefix = rng.choice(np.array([91, 81, 12]), n, p=[0.6, 0.3, 0.1])
        tail = rng.choice(10**11, n, replace=False)
        self.nib = [f"{p:02d}{t:011d}" for p, t in zip(prefix, tail, strict=True)]
        serials = rng.choice(10**6, n, replace=False)
        self.npwp = [npwp_text(rng, int(s)) for s in serials]
        weights = np.array([w for *_, w in INDUSTRIES], dtype=float)
        industry = rng.choice(len(INDUSTRIES), n, p=weights / weights.sum())
        self.kbli, self.name = [], []
        for k in industry:
            code, word, _ = INDUSTRIES[k]
            lost = code.startswith("0") and rng.random() < KBLI_LOST_ZERO
            self.kbli.append(code[1:] if lost else code)
            a, b = rng.choice(len(NAME_WORDS), 2, replace=False)
            self.name.append(f"{NAME_WORDS[a]} {NAME_WORDS[b]} {word}")


def _timestamp(v: companies.Version) -> str:
    day = dates.date_of(v.day).isoformat()
    s = v.second
    return f"{day}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}Z"


def _record(c: companies.Company, v: companies.Version, ident: Identities, pos: int,
            world: World) -> dict:
    female = int(round(v.wlkp * c.female))
    return {
        "nib": ident.nib[pos],
        "npp": f"{c.npp:08d}" if c.npp >= 0 else "",
        "npwp": _npwp16(ident.npwp[pos]) if v.npwp16 else ident.npwp[pos],
        "nama_perusahaan": f"{'PT' if v.pt else 'CV'} {ident.name[pos]}",
        "kbli": ident.kbli[pos],
        "skala_usaha": companies.skala_usaha(v.wlkp),
        "kode_desa": world.villages.codes[c.desa],
        "jumlah_tk_laki": str(v.wlkp - female),
        "jumlah_tk_perempuan": str(female),
        "jumlah_tk_wlkp": str(v.wlkp),
        "tgl_lapor_wlkp": dates.date_of(v.lapor).isoformat(),
        "status_usaha": v.status,
        "updated_at": _timestamp(v),
    }


def _npwp16(npwp: str) -> str:
    """An entity's legacy NPWP in its 16-digit form since 2024: 0 + the 15 digits."""
    digits = npwp.replace(".", "").replace("-", "")
    return digits if len(digits) == 16 else "0" + digits


def _drop_void_edits(plan: companies.CompanyPlan, ident: Identities) -> None:
    """An NPWP already in its 16-digit form has nothing to edit: no record change."""
    for pos, c in enumerate(plan.companies):
        if _npwp16(ident.npwp[pos]) == ident.npwp[pos]:
            c.versions = [v for v in c.versions if not v.npwp16]


def snapshot(plan: companies.CompanyPlan, ident: Identities, world: World,
             month: str) -> pd.DataFrame:
    """Every company known at the month's end, in its state of that day, by nib."""
    end = dates.month_bounds(month)[1]
    rows = []
    for pos, c in enumerate(plan.companies):
        v = c.version_at(end)
        if v is not None:
            rows.append(_record(c, v, ident, pos, world))
    return pd.DataFrame(rows, columns=list(FIELDS), dtype=object).sort_values("nib")


def snapshot_name(month: str) -> str:
    last = dates.date_of(dates.month_bounds(month)[1])
    return f"registry/perusahaan_{last:%Y%m%d}.csv"


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def _rebuild(landing: Path, months: list[str], seed: int,
             participants: int | None) -> tuple[World, History]:
    """The history generate() drew for these arguments (read from its summary if not given)."""
    path = landing / truth.TRUTH_DIR / truth.SUMMARY_FILE
    per_employer = 100
    if path.exists():
        s = json.loads(path.read_text(encoding="utf-8"))
        per_employer = s.get("workers_per_employer", per_employer)
        participants = s["participants"] if participants is None else participants
        if (s["months"], s["seed"], s["participants"]) != (months, seed, participants):
            raise ValueError("months, seed and participants must be those of the enrollment "
                             f"files in {landing} ({s['months']}, {s['seed']}, "
                             f"{s['participants']})")
    if participants is None:
        raise ValueError("participants is needed when the landing zone has no summary")
    world = build_world(seed, participants, int(months[0][:4]), per_employer)
    return world, build_history(seed, world, months, participants)


def generate_registry(landing: Path | str, months, seed: int = 42,
                      participants: int | None = None, *, world: World | None = None,
                      history: History | None = None) -> dict:
    """Write the monthly registry snapshots and their ground truth; return the counts.

    months, seed and participants are those of the enrollment files (generate()); without
    ``world``/``history`` the generator draws them again from these arguments.
    """
    landing = Path(landing)
    months = dates.normalise_months(months)
    if history is None or world is None:
        world, history = _rebuild(landing, months, seed, participants)
    plan = history.companies
    if plan is None:
        raise ValueError("the history was built without company patterns")
    ident = Identities(seed, plan)
    _drop_void_edits(plan, ident)
    files, per_month = [], {}
    for month in months:
        frame = snapshot(plan, ident, world, month)
        rel = snapshot_name(month)
        _write_csv(landing / rel, frame)
        start = dates.date_of(dates.month_bounds(month)[0]).isoformat()
        files.append(rel)
        per_month[month] = {"file": rel, "companies": len(frame),
                            "changed_in_month": int((frame["updated_at"] >= start).sum())}
    found = companies.truth(plan)
    rows = [(ident.nib[pos], _npp(plan.companies[pos]), rule, month, cause)
            for pos, rule, month, cause in found]
    table = pd.DataFrame(rows, columns=TRUTH_COLUMNS).sort_values(["periode", "rule", "nib"])
    _write_csv(landing / truth.TRUTH_DIR / TRUTH_FILE, table)
    _write_csv(landing / truth.TRUTH_DIR / COMPANIES_FILE, _companies(plan, ident))
    return {
        "files": files,
        "companies": len(plan.companies),
        "companies_by_role": plan.roles(),
        "patterns_by_rule": dict(sorted(Counter(r for _, r, _, _ in found).items())),
        "per_month": per_month,
    }


def _npp(c: companies.Company) -> str:
    return f"{c.npp:08d}" if c.npp >= 0 else ""


def _companies(plan: companies.CompanyPlan, ident: Identities) -> pd.DataFrame:
    return pd.DataFrame({
        "nib": ident.nib,
        "npp": [_npp(c) for c in plan.companies],
        "peran": [c.role for c in plan.companies],
        "periode_peristiwa": [plan.months[c.month] if c.month >= 0 else ""
                              for c in plan.companies],
    }).sort_values("nib")


def read_patterns(landing: Path | str) -> pd.DataFrame:
    """The registry ground truth: nib, npp (blank when none), rule, periode, all text."""
    path = Path(landing) / truth.TRUTH_DIR / TRUTH_FILE
    return pd.read_csv(path, dtype=str, keep_default_na=False)
