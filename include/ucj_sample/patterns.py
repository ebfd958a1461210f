"""Company compliance patterns planted among honest employers, and their WLKP reports.

Every PU employer of the enrollment pool is a company of the registry. Most are honest: their
WLKP headcount is their active PU participants plus the hires still waiting for their
registration (-1..+1 at a firm below 20, -1..+2 above), they hold the programs their size
requires, some of their workers earn exactly the UMK (first-year hires) and a few are trainees
below it (at micro and small firms some others too). A few companies per rule follow one of
the practices DOMAIN.md names, at every size where it is meaningful, planted on both sides
(participants in the membership history, headcount in the WLKP reports):

- ``pds_tk``: registers only part of its workforce (WLKP = registered / r, r in 0.25-0.6, and
  at least 3 unregistered), from one registered worker up; its new hires stay unregistered;
- ``pds_upah``: a medium or large company reporting 92-100 % of its workers exactly at UMK;
- ``pds_upah_tk``: a medium company (by WLKP) registering only 6-19 of its workers, nearly
  all exactly at UMK (PDS Upah and PDS TK at once);
- ``pds_program``: its workers hold JKK + JKM only, or (medium/large) no JP, at any size;
- ``drop``: in one month 40-75 % of its participants (at least 5 net of the month's joiners,
  from 7 participants) become NONAKTIF while its WLKP stays; from then on it registers only
  part of its workforce (PDS TK, a consequence of the drop in the truth);
- ``rotation``: in one month 10-25 % of its workers (at least one, from 3 participants) are
  deactivated and registered again at the same npp with a new kpj 2-14 days later;
- ``dormant``: AKTIF with workers in WLKP, an npp, but every membership ended (PWBD);
- companies outside the pool with no npp (PWBD), and new ones appearing in later months.

Honest look-alikes that must not raise alerts: ``layoff`` (a drop with a WLKP report showing
it), ``closes`` (TUTUP within the run), ``closed`` (TUTUP before the run), companies without
workers, returners after 4-24 months and job changers (history.py), wages at or below UMK,
workers past the pension age without JP, CV -> PT renames, NPWP edits without a new report,
WLKP reports reaching the registry record up to a week later (across a month's end).

The ground truth (companies.truth) states each rule by its DOMAIN/SOURCES meaning for a
company and month: PWBD exactly as SOURCES defines it; the other rules by the practice
planted, where the company is obliged (AKTIF, WLKP > 0) and not PWBD. No alert threshold is
used.
"""

from __future__ import annotations

import math

import numpy as np

from . import dates
from . import domain as d
from . import population as pop
from .companies import (
    CLOSED,
    CLOSES,
    DORMANT,
    DROP,
    FULL,
    HONEST,
    LAYOFF,
    NO_WORKERS,
    PDS_PROGRAM,
    PDS_TK,
    PDS_UPAH,
    PDS_UPAH_TK,
    ROTATION,
    SKALA_LIMITS,
    SMALL_REQUIRED,
    UNREGISTERED,
    UNREGISTERED_CLOSED,
    Company,
    CompanyPlan,
    Version,
    skala_usaha,
)

# --- parameters -----------------------------------------------------------------------------
PATTERN_SHARE = 0.05  # of pool employers, per planted rule
PATTERN_MIN = 8  # at least this many per rule, where that stays within 10 % of the pool
MIN_PESERTA = {  # active participants at the first month's end needed to carry a role
    # each pattern wherever it is meaningful: a rotation of one worker at a firm of three; a
    # drop of five with two staying; PDS TK and PDS Program at any size
    PDS_UPAH: 25, DROP: 7, LAYOFF: 7, ROTATION: 3, PDS_TK: 1, PDS_PROGRAM: 1,
}
UPAH_TK_PESERTA = (6, 19)  # registered workers of a medium PDS Upah company that is PDS TK too
MEDIUM = 20  # WLKP headcount from which a company is MENENGAH (skala_usaha)
BIG_PROGRAM_MIN = 25  # the "no JP" variant of PDS Program needs a medium/large company
MAX_DROP_PESERTA = 300  # drops and closures on giant factories would swamp the file
TK_REGISTERED_SHARE = (0.25, 0.6)
UPAH_AT_UMK_SHARE = (0.92, 1.0)
PROGRAM_SHARE = (0.8, 1.0)  # of the company's workers on the deficient program set
DROP_SHARE, DROP_MIN = (0.4, 0.75), 5
LAYOFF_SHARE = (0.35, 0.6)
ROTATION_SHARE, ROTATION_MIN = (0.10, 0.25), 1
TK_MIN_UNREGISTERED = 3  # PDS TK planted beyond what timing explains at a small firm
REPORT_DELAY = (0, 7)  # days from a WLKP report (tgl_lapor_wlkp) to the record's change
REPORT_BACK = (1, 76)  # days before the first month's end of the report held then
EDIT_P = 0.04  # a record edited in a month without a new report (NPWP moved to 16 digits)
TRAINEES = (0.0, 0.1)  # share of an honest company's workers who are trainees below UMK
HONEST_AT_UMK = (0.0, 0.35)  # share of an honest company's workers paid exactly UMK
BELOW_UMK_SMALL = 0.08  # micro and small firms may pay below UMK (besides trainees)
# WLKP minus registered at an honest company's report: hires still waiting for their
# registration; at a small firm (below SMALL_FIRM registered) one at most
WLKP_NOISE = ((-1, 0, 1, 2), (0.10, 0.35, 0.30, 0.25))
WLKP_NOISE_SMALL = ((-1, 0, 1), (0.15, 0.5, 0.35))
SMALL_FIRM = 20
REPORT_P, STALE_REPORT_P, STALE_GAP = 0.06, 0.9, 3  # monthly WLKP re-report
RENAME_P = 0.01  # a CV becomes a PT in a month
PENSION_AGE, JKP_MAX_AGE = 58, 54  # no JP from the pension age; JKP only below 54


def per_rule(n_pool: int) -> int:
    return max(round(PATTERN_SHARE * n_pool), min(PATTERN_MIN, round(0.1 * n_pool)))


# --- active persons per employer ------------------------------------------------------------
class Staff:
    """The SWASTA memberships of each pool employer, to count its active persons on a day."""

    def __init__(self, m: dict, n_emp: int):
        sel = np.flatnonzero((m["kat"] == d.SWASTA) & (m["emp"] >= 0))
        order = sel[np.argsort(m["emp"][sel], kind="stable")]
        cut = np.searchsorted(m["emp"][order], np.arange(n_emp + 1))
        self.m = m
        self.rows = [order[cut[e]:cut[e + 1]] for e in range(n_emp)]

    def active(self, emp: int, day: int) -> np.ndarray:
        r = self.rows[emp]
        return r[(self.m["reg"][r] <= day) & (self.m["end"][r] > day)]

    def count(self, emp: int, day: int) -> int:
        return len(np.unique(self.m["person"][self.active(emp, day)]))


# --- planting -------------------------------------------------------------------------------
class _Planter:
    def __init__(self, seed: int, world, m: dict, persons: pop.Persons, months: list[str]):
        self.rng = d.stream(seed, "company_patterns")
        self.world, self.m, self.persons, self.months = world, m, persons, months
        bounds = [dates.month_bounds(mo) for mo in months]
        self.starts = [b[0] for b in bounds]
        self.ends = [b[1] for b in bounds]
        e = world.employers
        self.pool = np.flatnonzero(~e.contractor)
        self.staff = Staff(m, len(e.npp))

    # roles ------------------------------------------------------------------------------
    def assign(self) -> dict[int, Company]:
        rng, e = self.rng, self.world.employers
        p0 = np.array([self.staff.count(int(emp), self.ends[0]) for emp in self.pool])
        k = per_rule(len(self.pool))
        k_noise = max(1, math.ceil(k / 4))
        later = len(self.months) >= 2
        companies = {int(emp): Company(int(emp), int(e.npp[emp]), HONEST, desa=int(e.desa[emp]))
                     for emp in self.pool}
        order = [int(self.pool[i]) for i in rng.permutation(len(self.pool))]
        size = dict(zip((int(x) for x in self.pool), p0.tolist(), strict=True))

        def pick(role, count, lo, hi=10**9, month=False, mask=0):
            if month and not later:
                return
            free = [x for x in order if companies[x].role == HONEST and lo <= size[x] <= hi]
            for x in free[:count]:
                c = companies[x]
                c.role, c.mask = role, mask
                if month:
                    c.month = int(rng.integers(1, len(self.months)))

        pick(PDS_UPAH, k, MIN_PESERTA[PDS_UPAH])
        pick(PDS_UPAH_TK, max(1, k // 2), *UPAH_TK_PESERTA)
        pick(PDS_PROGRAM, (k + 1) // 2, BIG_PROGRAM_MIN, mask=SMALL_REQUIRED)
        pick(PDS_PROGRAM, k // 2, MIN_PESERTA[PDS_PROGRAM], mask=d.JKK | d.JKM)
        pick(DROP, k, MIN_PESERTA[DROP], MAX_DROP_PESERTA, month=True)
        pick(ROTATION, k, MIN_PESERTA[ROTATION], month=True)
        pick(PDS_TK, k, MIN_PESERTA[PDS_TK])
        pick(LAYOFF, k_noise, MIN_PESERTA[LAYOFF], MAX_DROP_PESERTA, month=True)
        pick(CLOSES, k_noise, 1, 40, month=True)
        pick(DORMANT, k_noise, 1, 15)
        pick(CLOSED, k_noise, 1, 15)
        shares = {PDS_TK: TK_REGISTERED_SHARE, PDS_PROGRAM: PROGRAM_SHARE, DROP: DROP_SHARE,
                  LAYOFF: LAYOFF_SHARE, ROTATION: ROTATION_SHARE}
        for x in self.pool:
            c = companies[int(x)]
            c.share = float(rng.uniform(*shares.get(c.role, (0.0, 0.0))))
            if c.role == PDS_UPAH_TK:  # registers so few that its WLKP makes it medium
                hi = min(TK_REGISTERED_SHARE[1], size[int(x)] / (MEDIUM + 1))
                c.share = float(rng.uniform(TK_REGISTERED_SHARE[0], hi))
            umk = UPAH_AT_UMK_SHARE if c.role in (PDS_UPAH, PDS_UPAH_TK) else HONEST_AT_UMK
            c.at_umk = float(rng.uniform(*umk))
        return companies

    # membership changes ---------------------------------------------------------------------
    def _reassign(self, rows: np.ndarray, honest: np.ndarray) -> None:
        """Memberships begun after their employer closed go to other (honest) employers."""
        if len(rows) == 0:
            return
        e, m = self.world.employers, self.m
        w = e.weight[honest]
        new = honest[self.rng.choice(len(honest), len(rows), p=w / w.sum())]
        # never to an employer the person worked at: that would be a re-registration there
        persons = set(m["person"][rows].tolist())
        mine = np.flatnonzero(np.isin(m["person"], list(persons)))
        been = set(zip(m["person"][mine].tolist(), m["emp"][mine].tolist(), strict=True))
        for j, row in enumerate(rows):
            k = int(np.searchsorted(honest, new[j]))
            for _ in range(len(honest)):
                if (int(m["person"][row]), int(new[j])) not in been:
                    break
                k = (k + 1) % len(honest)
                new[j] = honest[k]
        m["emp"][rows], m["npp"][rows] = new, e.npp[new]
        m["desa"][rows], m["risk"][rows] = e.desa[new], e.risk[new]

    def _close(self, emp: int, day: int, honest: np.ndarray) -> None:
        """Every membership at emp ends by ``day`` (a few days before at most)."""
        m, r = self.m, self.staff.rows[emp]
        after = r[m["reg"][r] >= day]
        self._reassign(after, honest)
        before = r[m["reg"][r] < day]
        stop = np.maximum(m["reg"][before] + 1, day - self.rng.integers(0, 4, len(before)))
        m["end"][before] = np.minimum(m["end"][before], stop)

    def _joiners(self, emp: int, i: int) -> int:
        """Persons registered at emp during month i (who soften a fall in its count)."""
        m, r = self.m, self.staff.rows[emp]
        new = r[(m["reg"][r] >= self.starts[i]) & (m["reg"][r] <= self.ends[i])]
        return len(np.unique(m["person"][new]))

    def _leavers(self, emp: int, i: int, share: float, minimum: int,
                 through: int, extra: int = 0) -> np.ndarray | None:
        """Persons active at emp at the end of month i-1 and still at ``through``, with no
        other membership there begun later, drawn for a drop or a rotation."""
        m, prev = self.m, self.ends[i - 1]
        r = self.staff.rows[emp]
        act = self.staff.active(emp, prev)
        act = act[m["end"][act] > through]
        later = set(m["person"][r[m["reg"][r] > prev]].tolist())
        persons = np.array(sorted(set(m["person"][act].tolist()) - later), dtype=np.int64)
        n_prev = self.staff.count(emp, prev)
        k = max(minimum, round(share * n_prev)) + extra
        if k > len(persons) or k > n_prev - 2:
            return None
        chosen = self.rng.choice(persons, k, replace=False)
        return act[np.isin(m["person"][act], chosen)]

    def _drop(self, c: Company, first_day_span: int) -> bool:
        i, m = c.month, self.m  # a fall of DROP_MIN persons net of the month's joiners
        rows = self._leavers(c.emp, i, c.share, DROP_MIN, self.starts[i] - 1,
                             extra=self._joiners(c.emp, i))
        if rows is None:
            return False
        s = self.starts[i]
        hi = min(s + first_day_span, self.ends[i])
        m["end"][rows] = np.minimum(m["end"][rows], self.rng.integers(s, hi + 1, len(rows)))
        return True

    def _rotate(self, c: Company) -> dict | None:
        i, m = c.month, self.m
        rows = self._leavers(c.emp, i, c.share, ROTATION_MIN, self.ends[i])
        if rows is None:
            return None
        again = pop.take(m, rows)
        out = self.starts[i] + self.rng.integers(0, 11, len(rows))
        again["reg"] = out + self.rng.integers(2, 15, len(rows))
        again["role"] = np.full(len(rows), pop.RE_REGISTERED)
        m["end"][rows] = out
        return again

    def _no_new_registrations(self, emp: int, honest: np.ndarray) -> None:
        """A company registering part of its workforce leaves its new hires unregistered:
        memberships begun since its first WLKP report of the run go to other employers."""
        m, r = self.m, self.staff.rows[emp]
        self._reassign(r[m["reg"][r] >= self.ends[0] - REPORT_BACK[1]], honest)

    def change_memberships(self, companies: dict[int, Company]) -> list[dict]:
        honest = np.array(sorted(x for x, c in companies.items() if c.role == HONEST))
        added = []
        for emp, c in companies.items():
            if c.role in (PDS_TK, PDS_UPAH_TK):
                self._no_new_registrations(emp, honest)
            if c.role in (DORMANT, CLOSED):
                c.day = self.starts[0] - int(self.rng.integers(45, 330))
                self._close(emp, c.day, honest)
            elif c.role == CLOSES:
                c.day = int(self.rng.integers(self.starts[c.month] + 3, self.ends[c.month] - 2))
                self._close(emp, c.day, honest)
            elif c.role in (DROP, LAYOFF):
                span = 31 if c.role == DROP else 12
                if not self._drop(c, span):
                    c.role, c.month = HONEST, -1
            elif c.role == ROTATION:
                again = self._rotate(c)
                if again is None:
                    c.role, c.month = HONEST, -1
                else:
                    added.append(again)
        return added

    # WLKP reports ---------------------------------------------------------------------------
    def _noise(self, small: bool = False) -> int:
        values, p = WLKP_NOISE_SMALL if small else WLKP_NOISE
        return int(self.rng.choice(values, p=p))

    def _workforce(self, c: Company, day: int, noise: int) -> int:
        """What the company reports in WLKP on ``day`` (``noise``: drawn for a large firm;
        a small firm's is drawn again from its own, narrower spread)."""
        p = self.staff.count(c.emp, day)
        if p < SMALL_FIRM:
            noise = self._noise(small=True)
        if c.role in (PDS_TK, PDS_UPAH_TK):
            if not p:
                return 0
            return max(math.ceil(p / c.share), p + TK_MIN_UNREGISTERED) + max(noise, 0)
        return max(0, p + noise) if p else 0

    def _second(self) -> int:
        return int(self.rng.integers(3600, 36000))  # office hours in WIB, as UTC

    def _report(self, lapor: int, wlkp: int) -> Version:
        """A WLKP report of ``lapor``, reaching the registry record days later."""
        return Version(lapor + int(self.rng.integers(*REPORT_DELAY)), self._second(), lapor,
                       wlkp)

    @staticmethod
    def _in_order(c: Company) -> None:
        """Record changes strictly after one another (a report reaching the record late may
        meet the next change)."""
        for before, v in zip(c.versions, c.versions[1:], strict=False):
            v.day = max(v.day, before.day + 1)

    def reports(self, c: Company) -> None:
        rng, e0 = self.rng, self.ends[0]
        c.versions.clear()
        if c.role in (DORMANT, CLOSED):
            stopped = c.day
            lapor = stopped - int(rng.integers(20, 200))
            wlkp = max(1, self.staff.count(c.emp, lapor) + self._noise())
            if c.role == CLOSED:
                c.versions.append(Version(stopped, self._second(), lapor, wlkp, "TUTUP"))
                return
            lapor = e0 - int(rng.integers(1, 76))  # still operating, still reporting
            c.versions.append(Version(lapor, self._second(), lapor, wlkp))
            for i in range(1, len(self.months)):
                if rng.random() < REPORT_P:
                    t = int(rng.integers(self.starts[i], self.ends[i] + 1))
                    wlkp = max(1, wlkp + int(rng.integers(-1, 3)))
                    c.versions.append(Version(t, self._second(), t, wlkp))
            return
        lapor = e0 - int(rng.integers(*REPORT_BACK))
        c.versions.append(self._report(lapor, self._workforce(c, lapor, self._noise())))
        for i in range(1, len(self.months)):
            s, e = self.starts[i], self.ends[i]
            if c.role == CLOSES and i == c.month:
                w = c.versions[-1]
                c.versions.append(Version(c.day, self._second(), w.lapor, w.wlkp, "TUTUP"))
            if (c.role == CLOSES and i >= c.month) or (c.role == DROP and i >= c.month) \
                    or (c.role == ROTATION and i == c.month):
                continue  # closed; WLKP stays after a drop; no report mid-rotation
            if c.role == LAYOFF and i == c.month:
                t = int(rng.integers(s + 13, e))  # after the layoff, reported
            else:
                noise = self._noise()
                stale = abs(self._workforce(c, e, noise) - c.versions[-1].wlkp) >= STALE_GAP
                if rng.random() >= (STALE_REPORT_P if stale else REPORT_P):
                    continue
                t = int(rng.integers(s, e + 1))
            c.versions.append(self._report(t, self._workforce(c, t, self._noise())))
        self._in_order(c)

    def renames(self, c: Company, pt: bool) -> None:
        """Legal form: a CV may become a PT during the run (a record change, no WLKP)."""
        for v in c.versions:
            v.pt = pt
        if pt or c.versions[-1].status == "TUTUP":
            return
        for i in range(1, len(self.months)):
            if self.rng.random() < RENAME_P:
                t = int(self.rng.integers(self.starts[i], self.ends[i] + 1))
                if t <= c.versions[-1].day:
                    continue
                c.versions.append(Version(t, self._second(), c.versions[-1].lapor,
                                          c.versions[-1].wlkp, c.versions[-1].status, True))
                return

    def edit(self, c: Company) -> None:
        """A record edited without a new report (the NPWP moved to its 16-digit form): its
        updated_at moves, its report stays. The last change of a company, if any."""
        last = c.versions[-1] if c.versions else None
        if last is None or last.status == "TUTUP":
            return
        for i in range(1, len(self.months)):
            if self.rng.random() < EDIT_P:
                t = int(self.rng.integers(self.starts[i], self.ends[i] + 1))
                if t > last.day:
                    c.versions.append(Version(t, self._second(), last.lapor, last.wlkp,
                                              last.status, last.pt, True))
                return

    # programs and wages ---------------------------------------------------------------------
    def _max_skala_rank(self, c: Company) -> int:
        names = [n for _, n in SKALA_LIMITS] + ["BESAR"]
        got = [names.index(skala_usaha(v.wlkp)) for v in c.versions] or [0]
        return max(got)

    def programs_and_wages(self, companies: dict[int, Company]) -> None:
        """Each SWASTA membership's programs and wage draw from its employer's practice."""
        rng, m, e = self.rng, self.m, self.world.employers
        age = (m["reg"] - self.persons.dob[np.maximum(m["person"], 0)]) / 365.25
        for emp, c in companies.items():
            rows = self.staff.rows[emp]
            n = len(rows)
            big = self._max_skala_rank(c) >= 2
            if c.role == PDS_PROGRAM:  # a fixed number of its workers, so at any size
                lacking = np.zeros(n, dtype=bool)
                lacking[rng.permutation(n)[: math.ceil(c.share * n)]] = True
                plan = np.where(lacking, c.mask, FULL | (e.mask[emp] & d.JKP))
                company_mask = c.mask
            else:
                original = int(e.mask[emp])
                needed = FULL if big or c.role in (PDS_TK, PDS_UPAH_TK) else SMALL_REQUIRED
                company_mask = original if (original & needed) == needed else needed
                plan = np.full(n, company_mask)
            old = age[rows] >= PENSION_AGE
            plan = np.where(old, plan & ~(d.JP | d.JKP), plan)
            plan = np.where(age[rows] >= JKP_MAX_AGE, plan & ~d.JKP, plan)
            plan = np.where(plan & d.JP, plan, plan & ~d.JKP)  # JKP needs the four programs
            m["mask"][rows] = plan
            c.mask = company_mask
            e.mask[emp] = company_mask
            if c.role in (PDS_UPAH, PDS_UPAH_TK):  # nearly all, exactly: a fixed number
                at = np.zeros(n, dtype=bool)
                at[rng.permutation(n)[: math.ceil(c.at_umk * n)]] = True
                below_p = 0.0
            else:  # first-year hires at UMK; trainees (and at small firms others) below it
                at = rng.random(n) < c.at_umk
                below_p = float(rng.uniform(*TRAINEES)) + (0.0 if big else BELOW_UMK_SMALL)
            e.at_umk[emp] = c.at_umk
            factor = 1.0 + rng.lognormal(np.log(0.25), 0.8, n)
            below = ~at & (rng.random(n) < below_p)
            factor = np.where(below, rng.uniform(0.90, 0.99, n), factor)
            m["at_umk"][rows], m["factor"][rows] = at, np.where(at, 1.0, factor)

    def female_share(self, c: Company) -> float:
        act = self.staff.active(c.emp, self.ends[0])
        people = np.unique(self.m["person"][act])
        if len(people) == 0:
            return float(self.rng.uniform(0.2, 0.6))
        return float(self.persons.female[people].mean())

    # companies outside the pool -------------------------------------------------------------
    def extras(self, k: int, k_noise: int) -> list[Company]:
        rng, v = self.rng, self.world.villages
        w = v.weight / v.weight.sum()
        out = []
        roles = [UNREGISTERED] * k + [UNREGISTERED_CLOSED] * k_noise + [NO_WORKERS] * k_noise
        for role in roles:
            c = Company(-1, -1, role, desa=int(rng.choice(len(v.codes), p=w)),
                        female=float(rng.uniform(0.2, 0.7)))
            first = 0
            if role == UNREGISTERED and len(self.months) > 1 and rng.random() < 0.25:
                first = int(rng.integers(1, len(self.months)))  # a new company in OSS
            day_hi = self.ends[first]
            lapor = day_hi - int(rng.integers(1, 28 if first else 200))
            wlkp = 0 if role == NO_WORKERS else 1 + int(np.floor(rng.lognormal(1.8, 0.8)))
            status = "TUTUP" if role == UNREGISTERED_CLOSED else "AKTIF"
            c.month = first if first else -1  # the month it appears in
            c.versions.append(Version(max(lapor, self.starts[first]) if first else lapor,
                                      self._second(), lapor, wlkp, status))
            for i in range(first + 1, len(self.months)):
                if status == "AKTIF" and role == UNREGISTERED and rng.random() < REPORT_P:
                    t = int(rng.integers(self.starts[i], self.ends[i] + 1))
                    wlkp = max(1, wlkp + int(rng.integers(-1, 3)))
                    c.versions.append(Version(t, self._second(), t, wlkp))
            out.append(c)
        return out


def plant(seed: int, world, m: dict, persons: pop.Persons,
          months: list[str]) -> tuple[dict, CompanyPlan]:
    """Plant the company patterns into the membership history ``m`` (returned with the
    rotation re-registrations appended, before kpj are issued) and draw the WLKP reports."""
    p = _Planter(seed, world, m, persons, months)
    companies = p.assign()
    added = p.change_memberships(companies)
    if added:
        m = pop.concat([m, *added])
        p.m = m
    p.staff = Staff(m, len(world.employers.npp))
    for c in companies.values():
        c.female = p.female_share(c)
        p.reports(c)
    p.programs_and_wages(companies)
    pt_share = {0: 0.35, 1: 0.6, 2: 0.9, 3: 1.0}
    for c in companies.values():
        p.renames(c, bool(p.rng.random() < pt_share[p._max_skala_rank(c)]))
        p.edit(c)
    k = per_rule(len(p.pool))
    extras = p.extras(k, max(1, math.ceil(k / 4)))
    for c in extras:
        p.renames(c, bool(p.rng.random() < 0.3))
        p.edit(c)
    plan = CompanyPlan(months, [*companies.values(), *extras])
    for c in plan.companies:
        c.peserta = [p.staff.count(c.emp, e) if c.emp >= 0 else 0 for e in p.ends]
    return m, plan

