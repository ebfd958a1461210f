"""Village alerts of a year, read from the published Dana Desa mart (the alert step).

Alerts of a year carry the latest month of the year loaded (``periode_akhir``); they are
stored only when the year has APBDes lines and a loaded month, so a year whose budget has not
arrived neither raises nor resolves anything.
"""

from __future__ import annotations

from ucj.alerts import store
from ucj.alerts import village as village_alerts
from ucj.warehouse.base import Session


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
