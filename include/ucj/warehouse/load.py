"""Load lake partitions into the warehouse: the dbt project in ``include/sql`` builds the
run's scope privately and one transaction publishes it (ucj.warehouse.build); then the alerts
of what it published are stored, in a step of their own that reads the published marts.

A failed or killed run leaves the published warehouse as it was; re-loading a month replaces
it; what a run replaces is its scope (ucj.warehouse.scope).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ucj.alerts import company, store
from ucj.warehouse import build, connect, scope, village
from ucj.warehouse.base import Session, Warehouse
from ucj.warehouse.schema import ensure_schema

log = logging.getLogger(__name__)
__all__ = ["ensure_schema", "refresh", "run", "store_alerts", "enrollment_partitions",
           "coverage_summary"]


def company_alerts(s: Session, periode: str) -> dict:
    compliance_rows = s.query(
        "SELECT * FROM marts.mart_company_compliance WHERE periode = :periode",
        {"periode": periode})
    return store.store(s, periode, "company", company.candidates(compliance_rows),
                       company.LABELS)


def publish(wh: Warehouse, lake: Path, partitions: list[Path], run_id: str,
            rebuild: list[str] = (), scenario: dict | None = None) -> dict:
    """Build and publish the run's scope (``rebuild``: loaded months to build again though
    nothing of theirs changed; ``scenario``: the action plan's, ucj.rencana); what was
    published, for :func:`store_alerts`."""
    with wh.transaction() as s:
        ensure_schema(s)
        run_scope = scope.compute(s, lake, partitions, rebuild, scenario)
    result = build.build_and_publish(wh, run_scope, run_id)
    return {"periodes": run_scope.periodes, "periodes_baru": run_scope.periodes_baru,
            "tahun_dana_desa": run_scope.tahun_dana_desa, "desa_alerts": run_scope.desa_alerts,
            "dbt_seconds": round(result["dbt_seconds"], 1), "models": result["nodes"]}


def store_alerts(wh: Warehouse, published: dict) -> dict:
    """The alerts of what a run published, read from the published marts, in one transaction.
    A company alert's new/ongoing status depends on the month before, so every loaded month
    from the first one rebuilt follows; village alerts are stored for the months
    ``scope.desa_alert_months`` names, each on its year as known at its end."""
    counts = {"company": 0, "desa": 0}
    periodes, desa = published.get("periodes") or [], published.get("desa_alerts") or []
    if not periodes and not desa:
        return counts
    with wh.transaction() as s:
        for periode in [m for m in scope.loaded_months(s) if periodes and m >= periodes[0]]:
            counts["company"] += company_alerts(s, periode).get("alerts", 0)
        for periode in desa:
            counts["desa"] += village.store_alerts(s, periode).get("alerts", 0)
    return counts


def refresh(wh: Warehouse, lake: Path, partitions: list[Path], run_id: str,
            rebuild: list[str] = (), scenario: dict | None = None) -> dict:
    """Every changed reference, registry and APBDes partition and the given months, published
    at once; then their alerts."""
    published = publish(wh, lake, partitions, run_id, rebuild, scenario)
    store_alerts(wh, published)
    months = []
    with wh.transaction() as s:
        for periode in published["periodes_baru"]:
            loaded = int(s.scalar("SELECT COUNT(*) FROM core.fct_participant_month "
                                  "WHERE periode = :periode", {"periode": periode}))
            months.append({"periode": periode, "rows_loaded": loaded})
    return {"months": months, **published}


def enrollment_partitions(lake: Path, periodes: list[str] | None = None) -> list[Path]:
    """Lake partitions of the given months (all months present when None)."""
    from ucj import sources
    from ucj.io import lake as lk

    by_month = dict(lk.source_partitions(lake, sources.ENROLLMENT))
    if periodes is None:
        return list(by_month.values())
    missing = sorted(set(periodes) - by_month.keys())
    if missing:
        raise FileNotFoundError(f"no lake partition for {missing} under {lake}")
    return [by_month[m] for m in sorted(set(periodes))]


def months_from_events(event_extras: list[dict], requested: list[str]) -> list[str] | None:
    """Months a warehouse run loads: those named by the triggering asset events and the run's
    parameters; ``None`` (every month in the lake) for a hand-made run that names none."""
    months = {e["periode"] for e in event_extras if e and "periode" in e} | set(requested)
    if months or event_extras:
        return sorted(months)  # events only from reference data: no month to (re)load
    return None


def run(url: str, lake: Path, event_extras: list[dict], requested: list[str],
        run_id: str, scenario: dict | None = None) -> dict:
    """The warehouse DAG's load task: publish, without the alerts (their own task)."""
    months = months_from_events(event_extras, requested)
    wh = connect(url)
    try:
        if months is not None and event_extras:
            months = sorted(set(months) | set(unloaded_months(wh, lake)))
        result = publish(wh, lake, enrollment_partitions(lake, months), run_id,
                         scenario=scenario)
        result["summary"] = coverage_summary(wh).to_string(index=False)
    finally:
        wh.close()
    return result


def unloaded_months(wh: Warehouse, lake: Path) -> list[str]:
    """Months committed to the lake that the warehouse has never loaded. An asset-triggered
    run loads them with the months its events name: Airflow may fold a month's event into the
    run before it without loading it (a DAG at max_active_runs keeps only the events up to its
    queue's first; apache/airflow#56050), and a month must not wait for the next delivery."""
    from ucj import sources
    from ucj.io import lake as lk

    in_lake = {value for value, _ in lk.source_partitions(lake, sources.ENROLLMENT)}
    with wh.transaction() as s:
        loaded = set(scope.loaded_months(s))
    missing = sorted(in_lake - loaded)
    if missing:
        log.warning("months in the lake never loaded, loaded by this run: %s", missing)
    return missing


def coverage_summary(wh: Warehouse, periode: str | None = None) -> pd.DataFrame:
    with wh.transaction() as s:
        periode = periode or s.scalar("SELECT MAX(periode) FROM marts.mart_coverage")
        return s.query(
            "SELECT periode, kode_wilayah, nama_wilayah, peserta_aktif, penduduk_bekerja, "
            "coverage FROM marts.mart_coverage "
            "WHERE periode = :periode AND tingkat IN ('kecamatan', 'kabupaten') "
            "ORDER BY tingkat DESC, coverage DESC NULLS LAST", {"periode": periode})
