"""The companies of the registry plan: roles, registry records (versions) and the ground truth.

A company's records are what the registry shows over time (``version_at``); the truth reads
them as the warehouse must (docs/compliance.md, "Which registry date answers a month"):
identity and status from the record current at a month's end, the first record back to the
company's first appearance, the headcount from the latest WLKP report dated by then.
patterns.py draws the companies and their records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import dates
from . import domain as d

# --- roles ----------------------------------------------------------------------------------
HONEST, PDS_TK, PDS_UPAH, PDS_PROGRAM = "honest", "pds_tk", "pds_upah", "pds_program"
DROP, ROTATION, DORMANT, CLOSED = "drop", "rotation", "dormant", "closed"
CLOSES, LAYOFF = "closes", "layoff"
PDS_UPAH_TK = "pds_upah_tk"  # a medium company registering few workers, nearly all at UMK
UNREGISTERED, UNREGISTERED_CLOSED, NO_WORKERS = "unregistered", "unregistered_closed", "no_workers"
RULES = ("PWBD", "PDS_TK", "PDS_UPAH", "PDS_PROGRAM", "PENURUNAN_MENDADAK", "ROTASI")
SKALA_LIMITS = ((5, "MIKRO"), (20, "KECIL"), (100, "MENENGAH"))  # else BESAR
FULL = d.JKK | d.JKM | d.JHT | d.JP
SMALL_REQUIRED = d.JKK | d.JKM | d.JHT


def skala_usaha(wlkp: int) -> str:
    """By WLKP headcount: MIKRO 0-4, KECIL 5-19, MENENGAH 20-99, BESAR 100+."""
    for limit, name in SKALA_LIMITS:
        if wlkp < limit:
            return name
    return "BESAR"


def required_programs(skala: str) -> int:
    """Perpres 109/2013: medium and large JKK+JKM+JHT+JP; micro and small JKK+JKM+JHT."""
    return FULL if skala in ("MENENGAH", "BESAR") else SMALL_REQUIRED


@dataclass
class Version:
    """One state of a company's registry record, from ``day`` (its updated_at) on."""

    day: int
    second: int  # updated_at time of day (UTC), seconds
    lapor: int  # tgl_lapor_wlkp
    wlkp: int
    status: str = "AKTIF"
    pt: bool = True  # legal form in the name (a CV may become a PT)
    npwp16: bool = False  # the record's NPWP moved to its 16-digit form (an edit, no report)


@dataclass
class Company:
    emp: int  # index into world.employers; -1 outside the enrollment pool
    npp: int  # -1 when not registered with BPJS Ketenagakerjaan
    role: str
    month: int = -1  # index of the month the role's event happens in
    share: float = 0.0  # the role's parameter (registered share, drop share, ...)
    at_umk: float = 0.0  # share of its workers reported exactly at UMK
    day: int = -1  # the day a closed or dormant company stopped
    mask: int = 0  # program set the company registers its workers with
    female: float = 0.4  # share of women in its workforce
    desa: int = -1  # village index of the workplace
    versions: list[Version] = field(default_factory=list)
    peserta: list[int] = field(default_factory=list)  # active PU persons at each month's end

    def version_at(self, day: int) -> Version | None:
        """The registry record as it stood on ``day`` (what a snapshot of that day shows)."""
        current = None
        for v in self.versions:  # kept in day order
            if v.day <= day:
                current = v
        return current

    def extracted(self, month_ends: list[int]) -> list[Version]:
        """The records month-end extracts show (a record replaced within its month never
        reaches the warehouse; one changed after the last month's end not yet)."""
        seen = {id(v) for v in (self.version_at(e) for e in month_ends) if v is not None}
        return [v for v in self.versions if id(v) in seen]

    @staticmethod
    def identity_at(day: int, held: list[Version]) -> Version | None:
        """Identity and status on ``day`` from the records ``held``: the record then, and
        before the first record that record from the company's first appearance (its
        report: the company operated)."""
        if not held or min(min(v.lapor, v.day) for v in held) > day:
            return None
        current = [v for v in held if v.day <= day]
        return current[-1] if current else held[0]

    @staticmethod
    def report_at(day: int, held: list[Version]) -> Version | None:
        """The WLKP headcount on ``day`` from the records ``held``: the latest report dated
        by then, whichever record carried it (records with the same report date: the one
        current on ``day``, else the first that carried it)."""
        dated = [v for v in held if v.lapor <= day]
        if not dated:
            return None
        last = max(v.lapor for v in dated)
        same = [v for v in dated if v.lapor == last]
        known = [v for v in same if v.day <= day]
        return known[-1] if known else same[0]


@dataclass
class CompanyPlan:
    months: list[str]
    companies: list[Company]

    def roles(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.companies:
            out[c.role] = out.get(c.role, 0) + 1
        return dict(sorted(out.items()))


# --- ground truth ---------------------------------------------------------------------------
def truth(plan: CompanyPlan) -> list[tuple[int, str, str, str]]:
    """(company position, rule, periode, consequence_of) wherever a rule holds by its domain
    meaning at the month's end, with the registry answering by its dates (identity from the
    record then, headcount from the latest report dated by then; SOURCES.md, issue 16).
    consequence_of names the planted event a company-month follows from ("" for the practice
    itself): after a drop the company registers only part of its workforce, so its PDS TK
    months are consequences of PENURUNAN_MENDADAK."""
    out = []
    ends = [dates.month_bounds(month)[1] for month in plan.months]
    held = [c.extracted(ends) for c in plan.companies]
    for i, month in enumerate(plan.months):
        end = ends[i]
        for pos, c in enumerate(plan.companies):
            v, r = c.identity_at(end, held[pos]), c.report_at(end, held[pos])
            if v is None or r is None or v.status != "AKTIF" or r.wlkp <= 0:
                continue  # not in the registry yet, closed, or no workers: not obliged
            if c.npp < 0 or c.peserta[i] == 0:
                out.append((pos, "PWBD", month, ""))
                continue
            skala = skala_usaha(v.wlkp)  # the record's own scale, as the registry states it
            rules = []
            if c.role in (PDS_TK, PDS_UPAH_TK):
                rules.append(("PDS_TK", ""))
            if c.role == DROP and i >= c.month:
                rules.append(("PDS_TK", "PENURUNAN_MENDADAK"))
            if c.role in (PDS_UPAH, PDS_UPAH_TK) and skala in ("MENENGAH", "BESAR"):
                rules.append(("PDS_UPAH", ""))
            if c.role == PDS_PROGRAM and (c.mask & required_programs(skala)) \
                    != required_programs(skala):
                rules.append(("PDS_PROGRAM", ""))
            if c.role == DROP and i == c.month:
                rules.append(("PENURUNAN_MENDADAK", ""))
            if c.role == ROTATION and i == c.month:
                rules.append(("ROTASI", ""))
            out += [(pos, rule, month, cause) for rule, cause in rules]
    return out
