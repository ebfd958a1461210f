"""Load lake partitions into the warehouse: staging -> core -> marts, one transaction each.

A failed load rolls back, so the warehouse keeps its previous state; re-loading a month
replaces it (delete + insert of that month in every layer).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ucj import compliance, periods, wilayah
from ucj.alerts import company, store
from ucj.contracts import reference
from ucj.io import lake as lk
from ucj.warehouse import audit, connect, village
from ucj.warehouse.base import Session, Warehouse
from ucj.warehouse.schema import ensure_schema

MONTH_CORE = ["core/dim_month.sql", "core/fct_participant_month.sql", "core/fct_person_month.sql",
              "core/fct_dana_desa_month.sql"]
# PostgreSQL plans from table statistics, which know nothing of a month just inserted (a
# 100,000-row month estimated at a few hundred rows got nested loops over the whole month:
# 10+ seconds per statement). ANALYZE reads a fixed-size sample (300 x
# default_statistics_target rows; the whole table while it is smaller), so its cost stops
# growing once the table passes that size. DuckDB keeps its statistics current on insert.
ANALYZE_AFTER = {"core/fct_participant_month.sql": "core.fct_participant_month",
                 "core/fct_person_month.sql": "core.fct_person_month"}
MONTH_MARTS = ["marts/mart_coverage.sql", "marts/mart_village_official_coverage.sql",
               "marts/mart_non_asn_coverage.sql", "core/fct_company_month.sql",
               "marts/mart_company_compliance.sql"]
HEALTH_MART = "marts/mart_pipeline_health.sql"


def load_wilayah(s: Session) -> int:
    df = wilayah.load().replace({"": None})
    s.execute("DELETE FROM core.dim_wilayah")
    return s.insert_frame("core.dim_wilayah", df)


def load_partition_if_changed(s: Session, run_id: str, dataset: str, part: Path,
                              staging_table: str, core_file: str) -> bool:
    """Stage one lake partition and run its core SQL unless the warehouse already holds this
    exact content (by checksum); the staged rows stay in staging for the caller to inspect."""
    if not (part / "_manifest.json").exists():
        return False  # a partition still being written
    value = part.name.split("=", 1)[1]
    checksum = audit.partition_checksum(part)
    held = s.scalar("SELECT checksum FROM audit.reference_load "
                    "WHERE dataset = :dataset AND partition_value = :value",
                    {"dataset": dataset, "value": value})
    if held == checksum:
        return False
    s.execute(f"DELETE FROM {staging_table}")
    loaded = s.insert_parquet(staging_table, part / "data.parquet")
    s.run_file(core_file)
    s.run_file("audit/record_reference.sql", {
        "dataset": dataset, "partition_value": value, "checksum": checksum})
    audit.record_run(s, run_id, lk.read_manifest(part), value, loaded)
    return True


def load_reference(s: Session, lake: Path, run_id: str) -> bool:
    """Load reference partitions whose lake content changed; True if any did."""
    changed = False
    for table in reference.TABLES:
        for part in sorted((Path(lake) / "reference" / table.name).glob("tahun=*")):
            changed |= load_partition_if_changed(s, run_id, table.name, part,
                                                 f"staging.{table.name}",
                                                 f"core/ref_{table.name}.sql")
    return changed


def _month_params(periode: str) -> dict:
    year, month = periode.split("-")
    start, next_start = periods.bounds(periode)
    return {"periode": periode, "tahun": int(year), "bulan": int(month),
            "prev_periode": periods.shift(periode, -1), "month_start": start,
            "next_month_start": next_start, **compliance.thresholds()}


def load_enrollment_month(s: Session, partition: Path, run_id: str) -> dict:
    """Replace one month in core and build its marts, reading and writing that month only
    (and the month before, for month-over-month figures). On PostgreSQL the month's core
    tables are analysed before the statements that read them; elsewhere the month's keys,
    which no index enforces there, are checked."""
    manifest = lk.read_manifest(partition)
    periode = manifest["periode"]
    staged = s.stage_parquet("staging.enrollment", Path(partition))
    params = _month_params(periode)
    postgres = s.backend == "postgres"
    for f in MONTH_CORE:
        s.run_file(f, params)
        if postgres and f in ANALYZE_AFTER:
            s.execute(f"ANALYZE {ANALYZE_AFTER[f]}")
    if not postgres:  # no key index there (core/05_keys.postgres.sql says why)
        s.run_file("core/check_month_keys.sql", params)
    loaded = int(s.scalar(
        "SELECT COUNT(*) FROM core.fct_participant_month WHERE periode = :periode", params))
    if not staged == loaded == manifest["rows_valid"]:
        raise RuntimeError(f"{periode}: {manifest['rows_valid']} valid rows but {staged} staged "
                           f"and {loaded} loaded")
    build_marts(s, periode)
    audit.record_run(s, run_id, manifest, periode, loaded)
    s.unstage("staging.enrollment")
    return {"periode": periode, "rows_loaded": loaded}


def build_marts(s: Session, periode: str) -> None:
    params = _month_params(periode)
    for f in MONTH_MARTS:
        s.run_file(f, params)
    company_alerts(s, periode)
    village.build_year(s, params["tahun"])


def company_alerts(s: Session, periode: str) -> dict:
    compliance_rows = s.query(
        "SELECT * FROM marts.mart_company_compliance WHERE periode = :periode",
        {"periode": periode})
    return store.store(s, periode, "company", company.candidates(compliance_rows),
                       company.LABELS)


def load_registry(s: Session, lake: Path, run_id: str) -> list[str]:
    """Load registry extracts not loaded yet into dim_company; return the loaded months whose
    company facts the new records change: those ending after the earliest moment a new record
    answers (its WLKP report date, or its change when earlier)."""
    earliest = None
    for part in sorted((Path(lake) / "registry").glob("extract=*")):
        if load_partition_if_changed(s, run_id, "registry", part, "staging.registry",
                                     "core/dim_company.sql"):
            # A record answers from its report date (headcount) or its change (identity),
            # whichever is earlier; a company's first record from its first appearance.
            first = s.scalar(
                "SELECT MIN(LEAST(COALESCE(CAST(tgl_lapor_wlkp AS TIMESTAMP), updated_at), "
                "updated_at)) FROM staging.registry")
            if first is not None and not pd.isna(first):
                earliest = first if earliest is None else min(earliest, first)
    if earliest is None:
        return []
    return [m for m in loaded_months(s)
            if pd.Timestamp(periods.bounds(m)[1]) > pd.Timestamp(earliest)]


def loaded_months(s: Session) -> list[str]:
    df = s.query("SELECT periode FROM core.dim_month ORDER BY periode")
    return list(df["periode"])


def refresh(wh: Warehouse, lake: Path, partitions: list[Path], run_id: str) -> dict:
    """Reference data first (rebuilding every month if it changed), then each new month."""
    with wh.transaction() as s:
        ensure_schema(s)
        load_wilayah(s)
        stale = set(loaded_months(s)) if load_reference(s, lake, run_id) else set()
        stale |= set(load_registry(s, lake, run_id))
        village.load_apbdes(s, lake, run_id)
        for periode in sorted(stale):
            s.run_file("core/dim_month.sql", _month_params(periode))
            build_marts(s, periode)
    months = []
    for partition in partitions:
        with wh.transaction() as s:
            months.append(load_enrollment_month(s, partition, run_id))
    touched = sorted(stale | {m["periode"] for m in months})
    if touched:
        with wh.transaction() as s:
            loaded = loaded_months(s)
            # A month's company facts compare it with the month before, so the loaded month
            # after a touched one is rebuilt (a re-delivered or late month changes it).
            for periode in sorted({periods.shift(m, 1) for m in touched} & set(loaded)
                                  - set(touched)):
                build_marts(s, periode)
            # An alert's new/ongoing status depends on the month before: later months follow.
            for periode in [m for m in loaded if m > touched[0]]:
                company_alerts(s, periode)
    with wh.transaction() as s:
        s.run_file(HEALTH_MART)  # after every refresh: freshness moves even with nothing new
    return {"months": months}


def enrollment_partitions(lake: Path, periodes: list[str] | None = None) -> list[Path]:
    """Lake partitions of the given months (all months present when None)."""
    root = Path(lake) / "enrollment"
    found = sorted(p for p in root.glob("periode=*") if (p / "_manifest.json").exists())
    if periodes is None:
        return found
    wanted = {f"periode={p}" for p in periodes}
    missing = wanted - {p.name for p in found}
    if missing:
        raise FileNotFoundError(f"no lake partition for {sorted(missing)} under {root}")
    return [p for p in found if p.name in wanted]


def months_from_events(event_extras: list[dict], requested: list[str]) -> list[str] | None:
    """Months a warehouse run loads: those named by the triggering asset events and the run's
    parameters; ``None`` (every month in the lake) for a hand-made run that names none."""
    months = {e["periode"] for e in event_extras if e and "periode" in e} | set(requested)
    if months or event_extras:
        return sorted(months)  # events only from reference data: no month to (re)load
    return None


def run(url: str, lake: Path, event_extras: list[dict], requested: list[str],
        run_id: str) -> dict:
    months = months_from_events(event_extras, requested)
    wh = connect(url)
    try:
        result = refresh(wh, lake, enrollment_partitions(lake, months), run_id)
        result["summary"] = coverage_summary(wh).to_string(index=False)
    finally:
        wh.close()
    return result


def coverage_summary(wh: Warehouse, periode: str | None = None) -> pd.DataFrame:
    with wh.transaction() as s:
        periode = periode or s.scalar("SELECT MAX(periode) FROM marts.mart_coverage")
        return s.query(
            "SELECT periode, kode_wilayah, nama_wilayah, peserta_aktif, penduduk_bekerja, "
            "coverage FROM marts.mart_coverage "
            "WHERE periode = :periode AND tingkat IN ('kecamatan', 'kabupaten') "
            "ORDER BY tingkat DESC, coverage DESC NULLS LAST", {"periode": periode})
