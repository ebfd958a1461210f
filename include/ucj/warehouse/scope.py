"""What a warehouse run replaces: its scope, computed from the lake and the published audit,
and staged in the build for dbt as one JSON value (read by the macro ``scope``).

- reference, registry and APBDes partitions whose content changed since they were loaded
  (checksum in ``audit.reference_load``);
- the enrollment months delivered (``periodes_baru``);
- the months whose marts are rebuilt (``periodes``): those, every loaded month when a
  reference year changed, the months a new registry record answers, and the loaded month after
  each (its month-over-month figures read the month before);
- the years whose Dana Desa marts are rebuilt.

Every value is checked here (a month, a year, a number) before dbt renders it into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ucj import compliance, periods, rencana, sources, village
from ucj.io import lake as lk
from ucj.warehouse import audit, replan, upgrade
from ucj.warehouse.base import Session


def dataset(source: sources.Source) -> str:
    """The name the audit knows a source's partitions by (a reference table by its own)."""
    return source.name.rsplit("/", 1)[-1]


REFERENCE = [dataset(s) for s in sources.SOURCES if s.name.startswith("reference/")]


@dataclass
class Part:
    dataset: str          # enrollment, registry, village_budget or a reference table
    value: str            # the partition value (periode, extract id, tahun)
    path: Path
    checksum: str | None  # reference, registry and APBDes partitions: what audit records
    manifest: dict


@dataclass
class Scope:
    parts: list[Part] = field(default_factory=list)
    periodes: list[str] = field(default_factory=list)
    periodes_baru: list[str] = field(default_factory=list)
    tahun_dana_desa: list[int] = field(default_factory=list)
    desa_alerts: list[str] = field(default_factory=list)  # months whose village alerts to store
    scenario: dict | None = None  # the action plan's overrides (ucj.rencana), None: defaults

    def of(self, dataset: str) -> list[Part]:
        return [p for p in self.parts if p.dataset == dataset]

    def dbt_vars(self) -> dict:
        ref_tahun = {name: sorted({y for p in self.of(name) for y in _years(p.path)})
                     for name in REFERENCE}
        months = []
        for periode in self.periodes:
            start, next_start = periods.bounds(periode)
            months.append({"periode": periode, "tahun": int(periode[:4]),
                           "bulan": int(periode[5:]), "prev_periode": periods.shift(periode, -1),
                           "month_start": start.isoformat(),
                           "next_month_start": next_start.isoformat()})
        return {"periodes": self.periodes, "periodes_baru": self.periodes_baru,
                "months": months, "ref_tahun": ref_tahun,
                "tahun_apbdes": sorted({int(p.value) for p in self.of("village_budget")}),
                "tahun_dana_desa": self.tahun_dana_desa,
                **_numbers(compliance.thresholds()), **_numbers(village.thresholds()),
                **_numbers(rencana.scope_values(self.scenario))}


def _years(part: Path) -> set[int]:
    """The years a reference partition holds (one file may carry several: ``tahun=all``)."""
    years = set()
    for file in lk.data_files(part):
        table = lk.read_table(file, columns=["tahun"])
        years |= {int(y) for y in table.column("tahun").unique().to_pylist() if y is not None}
    return years


def _numbers(values: dict) -> dict:
    out = {}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"threshold {name} is not a number: {value!r}")
        out[name] = value
    return out


def _changed(s: Session, lake: Path, source: sources.Source) -> list[Part]:
    """The source's committed partitions whose content the warehouse does not hold yet."""
    name = dataset(source)
    held = dict(s.query("SELECT partition_value, checksum FROM audit.reference_load "
                        "WHERE dataset = :dataset", {"dataset": name}).itertuples(index=False))
    out = []
    for value, part in lk.source_partitions(lake, source):
        checksum = audit.partition_checksum(part)
        if held.get(value) != checksum:
            out.append(Part(name, value, part, checksum, lk.read_manifest(part)))
    return out


def registry_earliest(parts: list[Part], s: Session | None = None):
    """The earliest moment a new registry record answers: its WLKP report date, or its change
    when earlier (a company's first record answers from its first appearance).

    A record carrying a report the warehouse already holds for its company (same nib, report
    date and headcount: an address or status edit re-sends the last report as it was) changes
    no headcount before its own change, so it counts from its updated_at. Without this every
    monthly extract, whose edited companies carry reports dated months back, rebuilt every
    loaded month: the load of month N grew with N (benchmarks/load_bench.py)."""
    earliest = None
    for part in parts:
        df = pd.concat([lk.read_table(f, columns=["nib", "tgl_lapor_wlkp", "jumlah_tk_wlkp",
                                                  "updated_at"]).to_pandas()
                        for f in lk.data_files(part.path)])
        if df.empty:
            continue
        changed = pd.to_datetime(df["updated_at"])
        reported = pd.to_datetime(df["tgl_lapor_wlkp"]).fillna(changed)
        held = _held_reports(s, df)
        moment = reported.where(~held, changed)
        moment = moment.where(moment < changed, changed)
        first = moment.min()
        if not pd.isna(first):
            earliest = first if earliest is None else min(earliest, first)
    return earliest


NIBS_PER_QUERY = 1000  # bound parameters per query: an extract's nibs are read in batches


def _held_reports(s: Session | None, records: pd.DataFrame) -> pd.Series:
    """Per record: does the warehouse hold its report (nib, report date, headcount) already?"""
    held = pd.Series(False, index=records.index)
    if s is None or not table_exists(s, "core", "dim_company"):
        return held
    nibs = sorted(set(records["nib"].dropna()))
    known = []
    for i in range(0, len(nibs), NIBS_PER_QUERY):
        batch = nibs[i:i + NIBS_PER_QUERY]
        marks = ", ".join(f":n{j}" for j in range(len(batch)))
        known.append(s.query(
            "SELECT DISTINCT nib, CAST(tgl_lapor_wlkp AS DATE) AS tgl, "
            "CAST(jumlah_tk_wlkp AS BIGINT) AS tk FROM core.dim_company "
            f"WHERE tgl_lapor_wlkp IS NOT NULL AND nib IN ({marks})",
            {f"n{j}": n for j, n in enumerate(batch)}))
    if not known:
        return held
    known = pd.concat(known)
    keys = set(zip(known["nib"], pd.to_datetime(known["tgl"]), known["tk"].astype("Int64"),
                   strict=True))
    report = zip(records["nib"], pd.to_datetime(records["tgl_lapor_wlkp"]),
                 records["jumlah_tk_wlkp"].astype("Int64"), strict=True)
    return pd.Series([(n, t, k) in keys for n, t, k in report], index=records.index)


def compute(s: Session, lake: Path, months: list[Path], rebuild: list[str] = (),
            scenario: dict | None = None) -> Scope:
    """The run's scope; ``rebuild``: loaded months whose marts are built again though nothing
    of theirs changed (after a threshold changed, or core was corrected by hand);
    ``scenario``: the action plan's overrides (ucj.rencana), None for the configured one."""
    scope = Scope(scenario=scenario)
    for source in sources.SOURCES:
        if source is not sources.ENROLLMENT:  # months: the ones the run was given
            scope.parts += _changed(s, lake, source)
    registry, apbdes = scope.of("registry"), scope.of("village_budget")
    for part in months:
        manifest = lk.read_manifest(part)
        periode = periods.check(manifest["periode"])
        scope.parts.append(Part("enrollment", periode, lk.location(part), None, manifest))
    loaded = loaded_months(s)
    stale = set(loaded) if any(p.dataset in REFERENCE for p in scope.parts) else set()
    if loaded:  # marts an earlier version built without today's columns
        stale |= upgrade.months_to_rebuild(s) & set(loaded)
    stale |= {periods.check(m) for m in rebuild} & set(loaded)
    earliest = registry_earliest(registry, s)
    if earliest is not None:
        stale |= {m for m in loaded if pd.Timestamp(periods.bounds(m)[1]) > pd.Timestamp(earliest)}
    # a budget year delivered changes the year to date of each of its loaded months
    budget_years = {int(p.value) for p in apbdes}
    stale |= {m for m in loaded if int(m[:4]) in budget_years}
    # the action plan (issue 18): months whose published plan has another scenario
    stale |= replan.stale_months(s, loaded, rencana.parameters(scenario))
    new = sorted({p.value for p in scope.of("enrollment")})
    touched = stale | set(new)
    after = {periods.shift(m, 1) for m in touched} & set(loaded)
    scope.periodes_baru = new
    scope.periodes = sorted(touched | after)
    scope.tahun_dana_desa = sorted({int(m[:4]) for m in scope.periodes} | budget_years)
    scope.desa_alerts = desa_alert_months(loaded, new, scope.tahun_dana_desa)
    return scope


def desa_alert_months(loaded: list[str], new: list[str], years: list[int]) -> list[str]:
    """The months whose village alerts a run stores, each assessed on its year as known at its
    end (marts.mart_dana_desa_bulan): every new month later than the year's months loaded
    before (as if the months had come a run each), and the year's latest month after the run
    (a re-delivered month or budget changes the year as known now). The same alerts whether
    months arrive one a run or several at once."""
    out = set()
    for tahun in years:
        before = [m for m in loaded if int(m[:4]) == tahun]
        arrived = [m for m in new if int(m[:4]) == tahun]
        out |= {m for m in arrived if not before or m > max(before)}
        if before or arrived:
            out.add(max(before + arrived))
    return sorted(out)


def loaded_months(s: Session) -> list[str]:
    """The months the warehouse holds, in order (none before its first load)."""
    if not table_exists(s, "core", "dim_month"):
        return []
    return list(s.query("SELECT periode FROM core.dim_month ORDER BY periode")["periode"])


def table_exists(s: Session, schema: str, table: str) -> bool:
    return bool(s.scalar("SELECT COUNT(*) FROM information_schema.tables "
                         "WHERE table_schema = :schema AND table_name = :table",
                         {"schema": schema, "table": table}))
