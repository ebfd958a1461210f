"""Company compliance rules and alert lifecycle on hand-made months with exact outcomes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from enrollment_rows import row, write_csv
from test_indicators import write_reference
from ucj import warehouse
from ucj.pipeline import enrollment, reference, registry
from ucj.warehouse import load as wl

DESA = "32.13.01.2003"
UMK_2026 = "3737482"
_serial = iter(range(1, 10_000))


def company(nib_tail: int, npp: str | None, wlkp: int, skala="MENENGAH", status="AKTIF",
            updated="2025-12-15T00:00:00Z", lapor="2025-12-01", npwp="012345674901000") -> dict:
    laki = wlkp // 2
    return {"nib": f"{nib_tail:013d}", "npp": npp, "npwp": npwp,
            "nama_perusahaan": f"PT Contoh {nib_tail}", "kbli": "10710", "skala_usaha": skala,
            "kode_desa": DESA, "jumlah_tk_laki": laki, "jumlah_tk_perempuan": wlkp - laki,
            "jumlah_tk_wlkp": wlkp, "tgl_lapor_wlkp": lapor, "status_usaha": status,
            "updated_at": updated}


def workers(npp: str, n: int, **kw) -> list[dict]:
    out = []
    for _ in range(n):
        i = next(_serial)
        out.append(row(nik=f"321301150590{i:04d}", kpj=f"{i:011d}", npp=npp,
                       upah=kw.get("upah", "5000000"),
                       program=kw.get("program", "JKK+JKM+JHT+JP"),
                       tgl_kepesertaan="01/06/2024"))
    return out


def month_rows(periode: str, rows: list[dict]) -> list[dict]:
    return [{**r, "periode": periode} for r in rows]


JAN_REGISTRY = [
    company(1, "10000001", 12),                  # C1 honest
    company(2, None, 20),                        # C2 PWBD
    company(3, "10000003", 30),                  # C3 PDS TK
    company(4, "10000004", 10),                  # C4 PDS Upah (wages at UMK)
    company(5, "10000005", 4, skala="KECIL"),    # C5 PDS Program (JKK+JKM only)
    company(6, "10000006", 10),                  # C6 sudden drop in February
    company(7, "10000007", 10),                  # C7 rotation in February
    company(8, None, 5, status="TUTUP"),         # C8 closed: not obliged
    company(10, "10000010", 16, skala="KECIL"),  # C10 reports again on 28 January
]
# February: C3 corrects its WLKP headcount (same report, one more worker: a new version of its
# history); C9, reporting since mid-2025, first reaches the registry extract after an NPWP
# edit in February; C10's report of 28 January reaches the registry on 3 February.
FEB_REGISTRY = [
    company(3, "10000003", 31, updated="2026-02-10T08:00:00Z"),
    company(9, "10000009", 6, skala="KECIL", updated="2026-02-12T03:00:00Z",
            lapor="2025-06-30", npwp="012345674901001"),
    company(10, "10000010", 12, skala="KECIL", updated="2026-02-03T02:00:00Z",
            lapor="2026-01-28"),
]


def build_months():
    c1 = workers("10000001", 12)
    c3 = workers("10000003", 10)
    c4_at_umk = workers("10000004", 10, upah=UMK_2026)
    c5 = workers("10000005", 4, program="JKK+JKM")
    c6 = workers("10000006", 10)
    c7 = workers("10000007", 10)
    c9 = workers("10000009", 6)
    c10 = workers("10000010", 12)
    jan = c1 + c3 + c4_at_umk + c5 + c6 + c7 + c9 + c10
    # February: C4 now reports real wages, C6 deactivates 7 of 10 (WLKP unchanged), C7
    # deactivates 3 and registers the same persons again under new kpj.
    c4_fixed = [{**r, "upah": "6000000"} for r in c4_at_umk]
    gone = {"status": "NONAKTIF", "tgl_nonaktif": "05/02/2026", "iuran": "0"}
    c6_feb = [{**r, **gone} for r in c6[:7]] + c6[7:]
    rotated = [{**r, **gone} for r in c7[:3]]
    again = [{**r, "kpj": f"{next(_serial):011d}", "tgl_kepesertaan": "10/02/2026"}
             for r in c7[:3]]
    feb = c1 + c3 + c4_fixed + c5 + c6_feb + rotated + c7[3:] + again + c9 + c10
    return month_rows("2026-01", jan), month_rows("2026-02", feb)


def write_extract(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compliance")
    lake, val = tmp / "lake", tmp / "val"
    write_reference(tmp / "reference")
    for f in sorted((tmp / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    registry.process(write_extract(tmp / "r1.jsonl", JAN_REGISTRY), "20260101T000000Z", lake, val)
    registry.process(write_extract(tmp / "r2.jsonl", FEB_REGISTRY), "20260215T000000Z", lake, val)
    jan, feb = build_months()
    for name, rows in (("kepesertaan_202601.csv", jan), ("kepesertaan_202602.csv", feb)):
        enrollment.process(write_csv(tmp / name, rows), lake, val, "secret")
    w = warehouse.connect(f"duckdb:///{tmp / 'wh.duckdb'}")
    wl.refresh(w, lake, wl.enrollment_partitions(lake), "run-1")
    w.lake = lake  # for the tests that build a month again
    yield w
    w.close()


def flags(wh, periode):
    df = wh.query("SELECT * FROM marts.mart_company_compliance WHERE periode = :p ORDER BY nib",
                  {"p": periode})
    cols = ["is_pwbd", "is_pds_tk", "is_pds_upah", "is_pds_program", "is_penurunan_mendadak",
            "is_rotasi"]
    return {int(r["nib"]): ({c for c in cols if r[c]}, r["kategori_kepatuhan"])
            for r in df.to_dict("records")}


def test_january_categories(wh):
    assert flags(wh, "2026-01") == {
        1: (set(), "PATUH"),
        2: ({"is_pwbd"}, "PWBD"),
        3: ({"is_pds_tk"}, "PDS"),
        4: ({"is_pds_upah"}, "PDS"),
        5: ({"is_pds_program"}, "PDS"),
        6: (set(), "PATUH"),
        7: (set(), "PATUH"),
        8: (set(), "TIDAK_WAJIB"),
        9: (set(), "PATUH"),   # known from its 2025 report, though extracted in February
        10: (set(), "PATUH"),  # the report of 28 January answers January: 12 of 12
    }


def test_february_drop_rotation_and_fixed_wages(wh):
    got = flags(wh, "2026-02")
    assert got[4] == (set(), "PATUH")
    assert got[6] == ({"is_pds_tk", "is_penurunan_mendadak"}, "PDS")
    assert got[7] == ({"is_rotasi"}, "PATUH")


def test_company_history_answers_each_month(wh):
    df = wh.query("SELECT periode, jumlah_tk_wlkp, peserta_pu_aktif, selisih_tk "
                  "FROM marts.mart_company_compliance WHERE nib = :nib ORDER BY periode",
                  {"nib": f"{3:013d}"})
    assert df.values.tolist() == [["2026-01", 30, 10, 20], ["2026-02", 31, 10, 21]]
    versions = wh.query("SELECT jumlah_tk_wlkp, is_current FROM core.dim_company "
                        "WHERE nib = :nib ORDER BY valid_from", {"nib": f"{3:013d}"})
    assert versions.values.tolist() == [[30, False], [31, True]]


def test_registry_dates_answer_each_month(wh):
    """C9's only record changed in February, yet its 2025 report answers January; C10's report
    of 28 January answers January although its record changed on 3 February."""
    df = wh.query("SELECT nib, periode, jumlah_tk_wlkp, jumlah_tk_wlkp_prev, selisih_tk "
                  "FROM marts.mart_company_compliance WHERE nib IN (:c9, :c10) "
                  "ORDER BY nib, periode", {"c9": f"{9:013d}", "c10": f"{10:013d}"})
    assert [[int(r[0]), *r[1:]] for r in df.astype(object).values.tolist()] == [
        [9, "2026-01", 6, 6, 0], [9, "2026-02", 6, 6, 0],
        [10, "2026-01", 12, 16, 0], [10, "2026-02", 12, 12, 0]]


def _latest_records() -> list[dict]:
    """One registry extract holding each company's latest record, as a first extraction in
    February would deliver it."""
    latest = {r["nib"]: r for r in JAN_REGISTRY}
    latest.update({r["nib"]: r for r in FEB_REGISTRY})
    return list(latest.values())


def test_a_backfill_with_one_extract_gives_the_marts_of_monthly_extracts(wh, tmp_path):
    """The enrollment months loaded first, the registry extracted once afterwards: the same
    marts and alerts as the monthly extracts, except where those saw another report (C3's
    January count, corrected in February, and C10's December report are known only to the
    January extract)."""
    lake, val = tmp_path / "lake", tmp_path / "val"
    write_reference(tmp_path / "reference")
    for f in sorted((tmp_path / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    jan, feb = build_months()
    for name, rows in (("kepesertaan_202601.csv", jan), ("kepesertaan_202602.csv", feb)):
        enrollment.process(write_csv(tmp_path / name, rows), lake, val, "secret")
    backfill = warehouse.connect(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    try:
        wl.refresh(backfill, lake, wl.enrollment_partitions(lake), "run-1")
        assert backfill.query("SELECT COUNT(*) FROM marts.mart_company_compliance").iloc[0, 0] == 0
        registry.process(write_extract(tmp_path / "r.jsonl", _latest_records()),
                         "20260228T000000Z", lake, val)
        wl.refresh(backfill, lake, [], "run-2")
        got = {k: _marts(backfill, k) for k in ("compliance", "alerts")}
    finally:
        backfill.close()
    want = {k: _marts(wh, k) for k in ("compliance", "alerts")}
    c3, c10 = f"{3:013d}", f"{10:013d}"
    december = (want["compliance"]["nib"] == c10) & (want["compliance"]["periode"] == "2026-01")
    assert want["compliance"].loc[december, "jumlah_tk_wlkp_prev"].tolist() == [16]
    want["compliance"]["jumlah_tk_wlkp_prev"] = (
        want["compliance"]["jumlah_tk_wlkp_prev"].astype("Int32").mask(december))
    for kind in ("compliance", "alerts"):
        a = got[kind].loc[got[kind]["nib"] != c3].reset_index(drop=True)
        b = want[kind].loc[want[kind]["nib"] != c3].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=kind)
    c3_jan = got["compliance"].query("nib == @c3 and periode == '2026-01'").iloc[0]
    assert (c3_jan["jumlah_tk_wlkp"], c3_jan["selisih_tk"]) == (31, 21)


def _marts(w, kind: str):
    if kind == "alerts":
        sql = ("SELECT rule, subject_id AS nib, periode, status, severity, evidence "
               "FROM marts.alerts ORDER BY rule, subject_id, periode")
    else:
        sql = "SELECT * FROM marts.mart_company_compliance ORDER BY nib, periode"
    return w.query(sql).reset_index(drop=True)


def alerts(wh, periode):
    df = wh.query("SELECT rule, subject_id, status, first_periode, resolved_periode, evidence "
                  "FROM marts.alerts WHERE periode = :p ORDER BY rule, subject_id", {"p": periode})
    return {(r["rule"], int(r["subject_id"])): r for r in df.to_dict("records")}


def test_alert_lifecycle(wh):
    jan, feb = alerts(wh, "2026-01"), alerts(wh, "2026-02")
    assert set(jan) == {("PWBD", 2), ("PDS_TK", 3), ("PDS_UPAH", 4), ("PDS_PROGRAM", 5)}
    assert jan[("PDS_UPAH", 4)]["status"] == "resolved"
    assert jan[("PDS_UPAH", 4)]["resolved_periode"] == "2026-02"
    assert {k: v["status"] for k, v in feb.items()} == {
        ("PWBD", 2): "ongoing", ("PDS_TK", 3): "ongoing", ("PDS_PROGRAM", 5): "ongoing",
        ("PDS_TK", 6): "new", ("PENURUNAN_MENDADAK", 6): "new", ("ROTASI", 7): "new"}
    assert feb[("PWBD", 2)]["first_periode"] == "2026-01"


def test_alert_evidence_carries_the_numbers(wh):
    feb = alerts(wh, "2026-02")
    assert json.loads(feb[("PENURUNAN_MENDADAK", 6)]["evidence"]) == {
        "peserta_pu_prev": 10, "peserta_pu_aktif": 3, "jumlah_tk_wlkp_prev": 10,
        "jumlah_tk_wlkp": 10}
    assert json.loads(feb[("ROTASI", 7)]["evidence"])["didaftarkan_ulang"] == 3
    upah = json.loads(alerts(wh, "2026-01")[("PDS_UPAH", 4)]["evidence"])
    assert upah["porsi_upah_le_umk"] == 1.0 and upah["umk"] == 3737482


def test_alert_ids_are_deterministic(wh, tmp_path):
    from ucj.alerts.store import alert_id

    ids = wh.query("SELECT alert_id, rule, subject_id, periode FROM marts.alerts")
    for r in ids.to_dict("records"):
        assert r["alert_id"] == alert_id(r["rule"], "company", r["subject_id"], r["periode"])


def test_thresholds_are_parameters(wh, monkeypatch):
    monkeypatch.setenv("UCJ_COMPLIANCE_THRESHOLDS", json.dumps({"pds_tk_min_gap_share": 0.9}))
    try:
        wl.refresh(wh, wh.lake, [], "thresholds", rebuild=["2026-01"])
        got = wh.query("SELECT is_pds_tk FROM marts.mart_company_compliance "
                       "WHERE periode = '2026-01' AND nib = :nib", {"nib": f"{3:013d}"})
        assert not got.iloc[0, 0]  # 10 of 30 registered is not below 10 % of WLKP
    finally:  # the shared warehouse as it was
        monkeypatch.delenv("UCJ_COMPLIANCE_THRESHOLDS")
        wl.refresh(wh, wh.lake, [], "restored", rebuild=["2026-01"])
    assert flags(wh, "2026-01")[3] == ({"is_pds_tk"}, "PDS")


def test_small_cases_keep_their_alert_at_a_lower_severity():
    """Severity, not a minimum count, says "small case": 2 rotated workers of 15 are an
    alert (sedang), 3 are tinggi; a PDS TK gap of 3 is sedang, of 5 tinggi."""
    from ucj.alerts import company as rules

    base = {"nib": "0000000000099", "nama_perusahaan": "PT Kecil", "npp": "10000099",
            "kode_desa": DESA, "periode": "2026-02", "jumlah_tk_wlkp": 15,
            "peserta_pu_aktif": 15, "selisih_tk": 0, "didaftarkan_ulang": 0,
            **{r.flag: False for r in rules.RULES}}
    frame = pd.DataFrame([
        {**base, "nib": "1", "is_rotasi": True, "didaftarkan_ulang": 2},
        {**base, "nib": "2", "is_rotasi": True, "didaftarkan_ulang": 3},
        {**base, "nib": "3", "is_pds_tk": True, "selisih_tk": 3, "peserta_pu_aktif": 12},
        {**base, "nib": "4", "is_pds_tk": True, "selisih_tk": 5, "peserta_pu_aktif": 10},
    ])
    got = {(c["rule"], c["subject_id"]): c["severity"] for c in rules.candidates(frame)}
    assert got == {("ROTASI", "1"): "sedang", ("ROTASI", "2"): "tinggi",
                   ("PDS_TK", "3"): "sedang", ("PDS_TK", "4"): "tinggi"}
