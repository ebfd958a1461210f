"""The membership history behind the monthly snapshots.

Memberships existing before the first month are drawn first (with their past deactivations);
then each month deactivates some (a share of the employees among them registered by another
employer days later: job changers), registers again a few workers who left the same employer
months ago (returners: honest, unlike a rotation within weeks) and registers new ones. kpj
numbers are issued last, in registration order, from two number series (one with a leading
zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import dates, patterns
from . import domain as d
from . import population as pop
from .reference import World

KPJ_SERIES = (1_500_000_000, 21_000_000_000)  # "015..." and "210..."
ADULT_DAYS = 6575  # 18 years


@dataclass
class History:
    members: dict[str, np.ndarray]  # population.FIELDS plus "kpj"
    persons: pop.Persons
    companies: patterns.CompanyPlan | None = None  # planted company patterns, WLKP reports


def _counts(n_base: int, n_gov: int) -> dict[str, int]:
    """Row counts per builder so that segment shares hold including the second rows."""
    s = d.SEGMENT_SHARES
    n_second = n_base - round(n_base / (1 + d.SECOND_ROW_SHARE))
    n_two = round(0.6 * n_second)
    n_pub = n_second - n_two
    n_pu, n_bpu = round(s[d.PU] * n_base), round(s[d.BPU] * n_base)
    n_rentan = round(d.RENTAN_SHARE_OF_BPU * n_bpu)
    n_jakon = round(s[d.JAKON] * n_base)
    return {
        "two": n_two,
        "pub": n_pub,
        "swasta": max(0, n_pu - n_gov - n_two),
        "mandiri": max(0, n_bpu - n_rentan - n_pub),
        "rentan": n_rentan,
        "jakon": n_jakon,
        "pmi": max(0, n_base - n_pu - n_bpu - n_jakon),
    }


def _government(rng, world: World, start: int, n_base: int, participants: int):
    scale = min(1.0, participants / d.FULL_ROSTER_PARTICIPANTS)
    gov = pop.concat([pop.non_asn(rng, world, start, 1.0), pop.perangkat(rng, world, start, scale)])
    cap = int(0.5 * d.SEGMENT_SHARES[d.PU] * n_base)  # tiny runs: keep room for employees
    n = len(gov["seg"])
    return gov if n <= cap else pop.take(gov, np.sort(rng.choice(n, cap, replace=False)))


def _second_rows(rng, world: World, prim: dict, n_two: int, n_pub: int) -> list[dict]:
    """A second job at another employer, or a BPU membership beside a PU job."""
    sw = np.flatnonzero(prim["kat"] == d.SWASTA)
    two = rng.choice(sw, min(n_two, len(sw)), replace=False)
    pu = np.setdiff1d(np.flatnonzero(prim["seg"] == d.PU), two)
    pub = rng.choice(pu, min(n_pub, len(pu)), replace=False)
    second = pop.swasta(rng, len(two), world, avoid_emp=prim["emp"][two])
    second["person"], second["role"][:] = prim["person"][two], pop.SECOND_EMPLOYER
    bpu = pop.bpu_mandiri(rng, len(pub), world)
    bpu["person"], bpu["role"][:] = prim["person"][pub], pop.PU_AND_BPU
    return [second, bpu]


def _base(rng, world: World, persons: pop.Persons, n_base: int, start: int, participants: int):
    gov = _government(rng, world, start, n_base, participants)
    c = _counts(n_base, len(gov["seg"]))
    prim = pop.concat([
        gov,
        pop.swasta(rng, c["swasta"], world),
        pop.bpu_mandiri(rng, c["mandiri"], world),
        pop.rentan(rng, c["rentan"], world),
        pop.jakon(rng, c["jakon"], world),
        pop.pmi(rng, c["pmi"], world),
    ])
    n_prim = len(prim["seg"])
    prim = pop.take(prim, rng.permutation(n_prim))
    prim["person"] = np.arange(n_prim)
    base = pop.concat([prim, *_second_rows(rng, world, prim, c["two"], c["pub"])])
    _past_dates(rng, base, persons, start)
    return base, n_prim


def _past_dates(rng, m: dict, persons: pop.Persons, start: int) -> None:
    """Registration in the past (recent years likelier); some already deactivated."""
    n = len(m["reg"])
    back = np.floor(rng.exponential(4 * 365, n))
    cap = 14 * 365  # older registrations are spread evenly instead of piling up at the cap
    back = np.where(back > cap, np.floor(rng.uniform(0, cap, n)), back).astype(np.int64)
    m["reg"] = np.where(m["reg"] == 0, start - 1 - back, m["reg"])
    m["reg"] = np.minimum(np.maximum(m["reg"], persons.dob[m["person"]] + ADULT_DAYS), start - 1)
    ended = rng.random(n) < d.BASE_INACTIVE_SHARE
    span = (start - m["reg"]) * rng.random(n)
    m["end"] = np.where(ended, m["reg"] + np.floor(span).astype(np.int64), pop.END_NONE)


# A worker coming back to an employer after a season or more (a harvest, a new contract) is
# registered again under a new kpj: honest, unlike a rotation (weeks, patterns.py).
RETURN_GAP_DAYS = (120, 720)
JOB_CHANGE_SHARE = 0.3  # of the month's deactivated employees: registered at another employer
JOB_CHANGE_DAYS = (0, 21)  # ... this many days after leaving


def _returners(rng, m: dict, used: np.ndarray, s: int, e: int, n: int) -> dict:
    """Workers deactivated months ago, registered again at the same employer."""
    lo, hi = RETURN_GAP_DAYS
    cand = np.flatnonzero(
        (m["kat"] == d.SWASTA) & (m["end"] >= s - hi) & (m["end"] < s - lo) & ~used
    )
    pick = rng.choice(cand, min(n, len(cand)), replace=False)
    used[pick] = True
    rows = pop.take(m, pick)
    rows["reg"] = rng.integers(s, e + 1, len(pick))
    rows["end"] = np.full(len(pick), pop.END_NONE)
    rows["role"] = np.full(len(pick), pop.RE_REGISTERED)
    return rows


def _job_changers(rng, world: World, m: dict, left: np.ndarray) -> dict:
    """Employees who left this month, registered by another employer days later: a new kpj
    at another npp, which no compliance rule may take for a rotation."""
    pick = left[rng.random(len(left)) < JOB_CHANGE_SHARE]
    rows = pop.swasta(rng, len(pick), world, avoid_emp=m["emp"][pick])
    rows["person"] = m["person"][pick]
    rows["reg"] = m["end"][pick] + rng.integers(*JOB_CHANGE_DAYS, len(pick))
    rows["role"] = np.full(len(pick), pop.SECOND_EMPLOYER)
    return rows


def _month(rng, world: World, m: dict, used: np.ndarray, month: str, n_new: int, next_p: int):
    s, e = dates.month_bounds(month)
    active = (m["reg"] < s) & (m["end"] == pop.END_NONE)
    hit = active & (rng.random(len(active)) < d.MONTHLY_DEACTIVATION)
    m["end"][hit] = rng.integers(s, e + 1, int(hit.sum()))
    changers = _job_changers(rng, world, m, np.flatnonzero(hit & (m["kat"] == d.SWASTA)))
    rot = _returners(rng, m, used, s, e, round(n_new * d.ROTATION_SHARE_OF_NEW))
    fresh = pop.mixed(rng, n_new - len(rot["seg"]), world)
    fresh["person"] = next_p + np.arange(len(fresh["seg"]))
    fresh["reg"] = rng.integers(s, e + 1, len(fresh["seg"]))
    return [rot, changers, fresh], next_p + len(fresh["seg"])


def _issue_kpj(rng, reg: np.ndarray) -> np.ndarray:
    n = len(reg)
    order = np.lexsort((rng.random(n), reg))
    series_a = rng.random(n) < 0.35
    gaps = 1 + rng.geometric(0.35, n)
    in_a = np.cumsum(gaps * series_a)
    in_b = np.cumsum(gaps * ~series_a)
    kpj = np.empty(n, dtype=np.int64)
    kpj[order] = np.where(series_a, KPJ_SERIES[0] + in_a, KPJ_SERIES[1] + in_b)
    return kpj


def build_history(seed: int, world: World, months: list[str], participants: int,
                  plant_company_patterns: bool = True) -> History:
    """plant_company_patterns: plant the compliance patterns of patterns.py among the PU
    employers (their own random stream) and draw the companies' WLKP reports."""
    rng = d.stream(seed, "history")
    start, _ = dates.month_bounds(months[0])
    n_new = max(1, round(participants * d.MONTHLY_NEW_SHARE))
    n_base = participants - n_new
    persons = pop.make_persons(rng, n_base + n_new * len(months), start, world)
    m, next_p = _base(rng, world, persons, n_base, start, participants)
    used = np.zeros(len(m["seg"]), dtype=bool)
    for month in months:
        blocks, next_p = _month(rng, world, m, used, month, n_new, next_p)
        m = pop.concat([m, *blocks])
        used = np.r_[used, np.zeros(len(m["seg"]) - len(used), dtype=bool)]
    plan = None
    if plant_company_patterns:
        m, plan = patterns.plant(seed, world, m, persons, months)
    m["kpj"] = _issue_kpj(rng, m["reg"])
    return History(m, persons, plan)


def placed_per_village(history: History, month: str, n_villages: int) -> np.ndarray:
    """Active persons per village by the contract's placement rule (latest registration)."""
    m = history.members
    _, e = dates.month_bounds(month)
    act = np.flatnonzero((m["reg"] <= e) & (m["end"] > e))
    order = act[np.lexsort((m["kpj"][act], -m["reg"][act], m["person"][act]))]
    person = m["person"][order]
    first = np.r_[True, person[1:] != person[:-1]]
    return np.bincount(m["desa"][order[first]], minlength=n_villages).astype(np.float64)
