"""The figures of the monthly report, read from the marts (nothing is computed twice: ratios
come from the marts as they are, so the report shows what a BI tool shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from ucj.report import rencana
from ucj.warehouse.base import Warehouse

OPEN = ("new", "ongoing")


@dataclass
class ReportData:
    periode: str
    kabupaten: pd.Series  # the mart_coverage row of the kabupaten
    kecamatan: pd.DataFrame  # mart_coverage kecamatan rows, best coverage first
    trend: pd.DataFrame  # kabupaten coverage per loaded month up to periode
    officials: pd.DataFrame  # village-official coverage per desa (with nama_kecamatan)
    officials_total: pd.Series | None  # its kabupaten row
    compliance: pd.DataFrame  # kategori_kepatuhan, perusahaan
    alerts: pd.DataFrame  # open alerts of the month
    dana_desa: pd.DataFrame | None  # None when marts.mart_dana_desa does not exist
    loaded_at: object = None
    rencana: rencana.RencanaData | None = None  # the action plan (None: no plan of the month)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def months(wh: Warehouse) -> list[str]:
    """Months with coverage in the warehouse, oldest first."""
    df = wh.query("SELECT DISTINCT periode FROM marts.mart_coverage ORDER BY periode")
    return list(df["periode"])


def collect(wh: Warehouse, periode: str) -> ReportData:
    p = {"periode": periode}
    with wh.transaction() as s:  # one snapshot for every figure of the page
        cov = s.query("SELECT * FROM marts.mart_coverage WHERE periode = :periode "
                      "AND tingkat IN ('kabupaten', 'kecamatan')", p)
        if cov.empty:
            raise LookupError(f"no coverage in marts.mart_coverage for {periode}")
        trend = s.query(
            "SELECT periode, peserta_aktif, penduduk_bekerja, coverage FROM marts.mart_coverage "
            "WHERE tingkat = 'kabupaten' AND periode <= :periode ORDER BY periode", p)
        officials = s.query(
            "SELECT o.*, k.nama_wilayah AS nama_kecamatan "
            "FROM marts.mart_village_official_coverage o "
            "LEFT JOIN marts.mart_coverage k ON k.periode = o.periode "
            "AND k.kode_wilayah = o.kode_kecamatan AND k.tingkat = 'kecamatan' "
            "WHERE o.periode = :periode AND o.tingkat IN ('desa', 'kabupaten')", p)
        compliance = s.query(
            "SELECT kategori_kepatuhan, COUNT(*) AS perusahaan "
            "FROM marts.mart_company_compliance WHERE periode = :periode "
            "GROUP BY kategori_kepatuhan ORDER BY kategori_kepatuhan", p)
        alerts = s.query(
            "SELECT rule, severity, status, subject_type, subject_id, subject_name, kode_desa, "
            "first_periode, message FROM marts.alerts "
            "WHERE periode = :periode AND status IN ('new', 'ongoing') "
            "ORDER BY CASE severity WHEN 'tinggi' THEN 0 ELSE 1 END, rule, subject_name", p)
        dana = None
        if _exists(s, "marts", "mart_dana_desa"):
            dana = s.query("SELECT * FROM marts.mart_dana_desa WHERE tahun = :tahun",
                           {"tahun": int(periode[:4])})
        plan = rencana.collect(s, periode)
        loaded_at = s.scalar("SELECT MAX(loaded_at) FROM audit.run_audit "
                             "WHERE source = 'enrollment' AND partition_value = :periode", p)
    kab = cov[cov["tingkat"] == "kabupaten"]
    kec = cov[cov["tingkat"] == "kecamatan"].sort_values(
        ["coverage", "nama_wilayah"], ascending=[False, True], na_position="last")
    total = officials[officials["tingkat"] == "kabupaten"]
    return ReportData(
        periode=periode, kabupaten=kab.iloc[0] if not kab.empty else None,
        kecamatan=kec.reset_index(drop=True), trend=trend,
        officials=officials[officials["tingkat"] == "desa"].reset_index(drop=True),
        officials_total=total.iloc[0] if not total.empty else None,
        compliance=compliance, alerts=alerts, dana_desa=dana, loaded_at=loaded_at,
        rencana=plan)


def _exists(s, schema: str, table: str) -> bool:
    n = s.scalar("SELECT COUNT(*) FROM information_schema.tables "
                 "WHERE table_schema = :schema AND table_name = :table",
                 {"schema": schema, "table": table})
    return int(n or 0) > 0
