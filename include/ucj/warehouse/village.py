"""Village alerts of a month, read from the published Dana Desa mart of that month (the
alert step): the month's fiscal year as known at its end (``marts.mart_dana_desa_bulan``).

They are stored only when the year has APBDes lines and the month is loaded, so a year whose
budget has not arrived neither raises nor resolves anything.
"""

from __future__ import annotations

from ucj.alerts import store
from ucj.alerts import village as village_alerts
from ucj.warehouse.base import Session


def store_alerts(s: Session, periode: str) -> dict:
    tahun = int(periode[:4])
    loaded = s.scalar("SELECT COUNT(*) FROM core.dim_month WHERE periode = :periode",
                      {"periode": periode})
    lines = s.scalar("SELECT COUNT(*) FROM core.fct_apbdes WHERE tahun = :tahun",
                     {"tahun": tahun})
    if not loaded or not lines:
        return {"alerts": 0, "new": 0, "skipped": "no APBDes lines or the month not loaded"}
    mart = s.query("SELECT * FROM marts.mart_dana_desa_bulan WHERE periode = :periode "
                   "AND tingkat = 'desa'", {"periode": periode})
    npp = s.query(
        "SELECT kode_desa, MIN(npp) AS npp FROM core.fct_participant_month "
        "WHERE periode = :periode AND is_active AND kategori = 'PERANGKAT_DESA' "
        "AND npp IS NOT NULL GROUP BY kode_desa", {"periode": periode})
    found = village_alerts.candidates(mart, dict(zip(npp["kode_desa"], npp["npp"], strict=True)))
    return store.store(s, periode, village_alerts.SUBJECT_TYPE, found, village_alerts.LABELS)
