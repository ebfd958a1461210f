"""Village budgets in the warehouse: APBDes years into core, the Dana Desa marts and the village
alerts.

- ``load_apbdes``: every lake partition ``village_budget/tahun=YYYY`` whose content changed
  since it was last loaded replaces its year in ``core.fct_apbdes`` (delete + insert by
  tahun), is recorded in the audit, and its year's marts and alerts are rebuilt.
- ``build_year``: ``marts.mart_dana_desa`` and ``marts.mart_dana_desa_premi`` of a year, then
  its alerts. ``ucj.warehouse.load.build_marts`` calls it for the year of every month it builds,
  so the year is rebuilt when the APBDes year or any enrollment month of it is (re)loaded. Its
  participant side adds up ``core.fct_dana_desa_month`` (one row per desa, built with each
  month's load), so a month's load does not re-read the other months of its year.
- Alerts of a year carry the latest month of the year loaded (``periode_akhir``); they are
  stored only when the year has APBDes lines and a loaded month, so a year whose budget has not
  arrived neither raises nor resolves anything.
"""

from __future__ import annotations

from pathlib import Path

from ucj import village
from ucj.alerts import store
from ucj.alerts import village as village_alerts
from ucj.io import lake as lk
from ucj.warehouse import audit
from ucj.warehouse.base import Session

DATASET = "village_budget"


def load_apbdes(s: Session, lake: Path, run_id: str) -> list[int]:
    """Load the APBDes years whose lake partition changed; return those years."""
    years = []
    for part in sorted((Path(lake) / DATASET).glob("tahun=*")):
        if not (part / "_manifest.json").exists():
            continue
        value = part.name.split("=", 1)[1]
        checksum = audit.partition_checksum(part)
        held = s.scalar(
            "SELECT checksum FROM audit.reference_load "
            "WHERE dataset = :dataset AND partition_value = :value",
            {"dataset": DATASET, "value": value})
        if held == checksum:
            continue
        manifest = lk.read_manifest(part)
        tahun = int(value)
        s.execute("DELETE FROM staging.apbdes")
        staged = s.insert_parquet("staging.apbdes", part / "data.parquet")
        s.run_file("core/fct_apbdes.sql", {"tahun": tahun})
        loaded = int(s.scalar("SELECT COUNT(*) FROM core.fct_apbdes WHERE tahun = :tahun",
                              {"tahun": tahun}))
        if not staged == loaded == manifest["rows_valid"]:
            raise RuntimeError(f"APBDes {tahun}: {manifest['rows_valid']} valid lines but "
                               f"{staged} staged and {loaded} loaded")
        s.run_file("audit/record_reference.sql", {
            "dataset": DATASET, "partition_value": value, "checksum": checksum})
        audit.record_run(s, run_id, manifest, value, loaded)
        build_year(s, tahun)
        years.append(tahun)
    return years


def build_year(s: Session, tahun: int) -> dict:
    """The year's Dana Desa marts, then its alerts (when they can be assessed)."""
    build_marts(s, tahun)
    return store_alerts(s, tahun)


def build_marts(s: Session, tahun: int) -> None:
    """The year's Dana Desa marts alone (``ucj.warehouse.upgrade`` rebuilds them so, when
    their columns changed: the alerts read columns that did not)."""
    fill_months(s, tahun)
    s.run_file("marts/mart_dana_desa.sql", {"tahun": int(tahun), **village.thresholds()})


def fill_months(s: Session, tahun: int) -> list[str]:
    """Sum the loaded months of the year that ``core.fct_dana_desa_month`` does not hold yet
    (months loaded before that table existed; every loaded month has a row per desa)."""
    missing = s.query(
        "SELECT periode FROM core.dim_month m WHERE m.tahun = :tahun AND NOT EXISTS ("
        "SELECT 1 FROM core.fct_dana_desa_month d WHERE d.periode = m.periode) "
        "ORDER BY periode", {"tahun": int(tahun)})
    months = [] if missing.empty else list(missing["periode"])
    for periode in months:
        s.run_file("core/fct_dana_desa_month.sql", {"periode": periode})
    return months


def store_alerts(s: Session, tahun: int) -> dict:
    periode = s.scalar("SELECT MAX(periode) FROM core.dim_month WHERE tahun = :tahun",
                       {"tahun": int(tahun)})
    lines = s.scalar("SELECT COUNT(*) FROM core.fct_apbdes WHERE tahun = :tahun",
                     {"tahun": int(tahun)})
    if periode is None or not lines:
        return {"alerts": 0, "new": 0, "skipped": "no APBDes lines or no month of the year"}
    mart = s.query("SELECT * FROM marts.mart_dana_desa WHERE tahun = :tahun AND tingkat = 'desa'",
                   {"tahun": int(tahun)})
    npp = s.query(
        "SELECT kode_desa, MIN(npp) AS npp FROM core.fct_participant_month "
        "WHERE periode = :periode AND is_active AND kategori = 'PERANGKAT_DESA' "
        "AND npp IS NOT NULL GROUP BY kode_desa", {"periode": periode})
    found = village_alerts.candidates(mart, dict(zip(npp["kode_desa"], npp["npp"], strict=True)))
    return store.store(s, periode, village_alerts.SUBJECT_TYPE, found, village_alerts.LABELS)
