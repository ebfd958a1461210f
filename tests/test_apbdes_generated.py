"""Generated deliveries through the APBDes pipeline and the warehouse: the quarantine is the
planted bad lines and the village alerts are exactly the planted mismatches."""

from __future__ import annotations

import pandas as pd
import pytest
from ucj import warehouse
from ucj.pipeline import apbdes, enrollment, reference
from ucj.warehouse import load as wl
from ucj_sample import generate
from ucj_sample.apbdes import read_bad_rows, read_mismatches

MONTHS = ["2025-12", "2026-01", "2026-02"]  # two fiscal years: alerts at 2025-12 and 2026-02


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("apbdes_generated")
    landing, lake, val = tmp / "landing", tmp / "lake", tmp / "val"
    generate(landing, MONTHS, participants=3000, seed=11, xlsx_month="2026-01")
    for f in sorted((landing / "reference").glob("*.csv")):
        reference.process(f, lake, val)
    for f in sorted((landing / "enrollment").iterdir()):
        enrollment.process(f, lake, val, "secret")
    results = [apbdes.process(f, lake, val) for f in
               sorted((landing / "village_budget").glob("apbdes_*.csv"))]
    wh = warehouse.connect(f"duckdb:///{tmp / 'wh.duckdb'}")
    wl.refresh(wh, lake, wl.enrollment_partitions(lake), "generated")
    yield landing, results, wh
    wh.close()


def test_quarantine_is_exactly_the_planted_bad_lines(run):
    landing, results, _ = run
    got = set()
    for r in results:
        q = pd.read_parquet(r["quarantine"])
        got |= {(f"village_budget/{r['source_file']}", int(n), rule)
                for n, rule in zip(q["row_number"], q["rules"], strict=True)}
        assert r["rule_counts"].get("nama_desa_matches", 0) == 0
    truth = read_bad_rows(landing)
    assert got == set(zip(truth["file"], truth["row_number"], truth["rule"], strict=True))


def test_village_alerts_are_exactly_the_planted_mismatches(run):
    landing, _, wh = run
    latest = {2025: "2025-12", 2026: "2026-02"}
    alerts = wh.query("SELECT rule, subject_id, periode FROM marts.alerts "
                      "WHERE subject_type = 'desa'")
    got = {(int(p[:4]), s, r) for r, s, p in alerts.values if latest[int(p[:4])] == p}
    truth = read_mismatches(landing)
    want = set(zip(truth["tahun"], truth["kode_desa"], truth["rule"], strict=True))
    assert len(want) >= 24  # every rule planted in both years
    assert got == want, {"unexpected": sorted(got - want), "missed": sorted(want - got)}


def test_dana_desa_mart_totals(run):
    _, _, wh = run
    kab = wh.query("SELECT tahun, desa_apbdes, dana_desa_anggaran, add_anggaran, "
                   "porsi_premi_dana_desa_anggaran, peserta_dana_desa, periode_akhir "
                   "FROM marts.mart_dana_desa WHERE tingkat = 'kabupaten' ORDER BY tahun")
    assert kab["tahun"].tolist() == [2025, 2026]
    assert kab["desa_apbdes"].tolist() == [245, 245]
    assert kab["dana_desa_anggaran"].tolist() == [147_000_000_000] * 2
    assert kab["add_anggaran"].tolist() == [139_000_000_000] * 2
    assert kab["periode_akhir"].tolist() == ["2025-12", "2026-02"]
    assert (kab["porsi_premi_dana_desa_anggaran"] > 0).all()
    assert (kab["peserta_dana_desa"] > 0).all()
