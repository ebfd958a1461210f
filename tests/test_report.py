"""The district's HTML report: figures from the marts, one self-contained file, rendered by a
real headless Chromium (Debian's ``chromium``) and read back from the rendered DOM."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from ucj import warehouse, wilayah
from ucj.report import browser, html, svg
from ucj.report.data import collect
from ucj.warehouse import load as wl

MONTHS = ["2026-01", "2026-02", "2026-03"]
NEEDS_CHROMIUM = pytest.mark.skipif(
    browser.find() is None,
    reason="chromium is not installed (apt-get install -y chromium; .ci/run installs it)")


def percent(ratio: float) -> str:
    """Written here on its own: 0.2978 -> '29,78 %'."""
    return f"{ratio * 100:.2f}".replace(".", ",") + " %"


def coverage_rows() -> pd.DataFrame:
    """Kecamatan and kabupaten rows of mart_coverage for three months; every kecamatan gets
    a different coverage (between 18 % and 45 %), the kabupaten sums them."""
    areas = wilayah.load()
    kec = areas[areas["tingkat"] == "kecamatan"].reset_index(drop=True)
    rows = []
    for m, periode in enumerate(MONTHS):
        for i, k in enumerate(kec.itertuples()):
            bekerja = 20_000 + 1_000 * i
            peserta = int(bekerja * (0.18 + 0.009 * ((i * 7) % 30) + 0.004 * m))
            rows.append({"periode": periode, "tingkat": "kecamatan",
                         "kode_wilayah": k.kode_wilayah, "nama_wilayah": k.nama,
                         "kode_kecamatan": k.kode_wilayah, "nama_kecamatan": k.nama,
                         "peserta_aktif": peserta, "penduduk_bekerja": bekerja})
        month = [r for r in rows if r["periode"] == periode]
        rows.append({"periode": periode, "tingkat": "kabupaten", "kode_wilayah": "32.13",
                     "nama_wilayah": "Kabupaten Subang",
                     "peserta_aktif": sum(r["peserta_aktif"] for r in month),
                     "penduduk_bekerja": sum(r["penduduk_bekerja"] for r in month)})
    df = pd.DataFrame(rows)
    df["coverage"] = df["peserta_aktif"] / df["penduduk_bekerja"]
    df["tahun_referensi"] = 2025
    for col in ("peserta_pu", "peserta_bpu", "peserta_jakon", "peserta_pmi", "peserta_swasta",
                "peserta_non_asn", "peserta_perangkat_desa", "peserta_pekerja_rentan",
                "peserta_lainnya"):
        df[col] = 0
    return df


def official_rows(periode: str) -> pd.DataFrame:
    areas = wilayah.load()
    desa = areas[areas["tingkat"] == "desa"].reset_index(drop=True)
    rows = [{"periode": periode, "tingkat": "desa", "kode_wilayah": d.kode_wilayah,
             "nama_wilayah": d.nama, "kode_kecamatan": d.kode_kecamatan,
             "perangkat_aktif": i % 12, "jumlah_perangkat_desa": 12}
            for i, d in enumerate(desa.itertuples())]
    rows.append({"periode": periode, "tingkat": "kabupaten", "kode_wilayah": "32.13",
                 "nama_wilayah": "Kabupaten Subang",
                 "perangkat_aktif": sum(r["perangkat_aktif"] for r in rows),
                 "jumlah_perangkat_desa": 12 * len(rows)})
    df = pd.DataFrame(rows)
    df["coverage"] = df["perangkat_aktif"] / df["jumlah_perangkat_desa"]
    return df


COMPLIANCE = {"PATUH": 61, "PDS": 23, "PWBD": 9, "TIDAK_WAJIB": 7}


def compliance_rows(periode: str) -> pd.DataFrame:
    kategori = [k for k, n in COMPLIANCE.items() for _ in range(n)]
    flags = {f: False for f in ("is_pwbd", "is_pds_tk", "is_pds_upah", "is_pds_program",
                                "is_penurunan_mendadak", "is_rotasi")}
    return pd.DataFrame([{"periode": periode, "nib": f"{i:013d}", "kategori_kepatuhan": k,
                          **flags} for i, k in enumerate(kategori)])


def alert_rows(periode: str) -> pd.DataFrame:
    statuses = ["new"] * 4 + ["ongoing"] * 3 + ["resolved"] * 2
    return pd.DataFrame([{
        "alert_id": f"a{i}", "rule": "PDS_TK" if i % 2 else "PWBD", "subject_type": "company",
        "subject_id": f"{i:013d}", "subject_name": f"PT Contoh {i}", "periode": periode,
        "severity": "tinggi", "status": s, "first_periode": "2026-01", "evidence": "{}",
        "message": "pesan"} for i, s in enumerate(statuses)])


def dana_desa_rows(tahun: int) -> pd.DataFrame:
    rows = [{"tahun": tahun, "tingkat": "kabupaten", "kode_wilayah": "32.13",
             "nama_wilayah": "Kabupaten Subang", "desa_apbdes": 240,
             "dana_desa_realisasi": 147_000_000_000, "premi_dds_anggaran": 3_100_000_000,
             "premi_dds_realisasi": 2_345_600_000, "porsi_premi_dana_desa_realisasi": 0.016}]
    areas = wilayah.load()
    for i, k in enumerate(areas[areas["tingkat"] == "kecamatan"].itertuples()):
        rows.append({"tahun": tahun, "tingkat": "kecamatan", "kode_wilayah": k.kode_wilayah,
                     "nama_wilayah": k.nama, "desa_apbdes": 8,
                     "premi_dds_realisasi": 50_000_000 + 1_000_000 * i})
    df = pd.DataFrame(rows)
    for col in ("bulan_dimuat", "peserta_dana_desa", "peserta_dana_desa_perangkat",
                "peserta_dana_desa_rentan", "orang_bulan_dana_desa_perangkat",
                "orang_bulan_dana_desa_rentan", "iuran_dana_desa", "iuran_dana_desa_perangkat",
                "iuran_dana_desa_rentan"):
        df[col] = 0
    return df


def build(path: Path, dana_desa: str = "rows"):
    """The test warehouse; ``dana_desa``: rows, empty (the mart exists, no APBDes loaded) or
    absent (the mart does not exist)."""
    wh = warehouse.connect(f"duckdb:///{path}")
    wl.refresh(wh, path.parent / "no-lake", [], "schema")  # every model's table, empty
    with wh.transaction() as s:
        s.insert_frame("marts.mart_coverage", coverage_rows())
        for periode in MONTHS:
            s.insert_frame("marts.mart_village_official_coverage", official_rows(periode))
        s.insert_frame("marts.mart_company_compliance", compliance_rows(MONTHS[-1]))
        s.insert_frame("marts.alerts", alert_rows(MONTHS[-1]))
        if dana_desa == "rows":
            s.insert_frame("marts.mart_dana_desa", dana_desa_rows(2026))
        elif dana_desa == "absent":
            s.execute("DROP TABLE IF EXISTS marts.mart_dana_desa")
    return wh


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("report") / "wh.duckdb"
    build(path).close()
    return f"duckdb:///{path}"


@pytest.fixture
def wh(url):
    wh = warehouse.connect(url, read_only=True)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def page(url, tmp_path_factory) -> Path:
    wh = warehouse.connect(url, read_only=True)
    try:
        return html.write_report(wh, tmp_path_factory.mktemp("reports"))
    finally:
        wh.close()


class Dom(HTMLParser):
    """Elements by id (their text) and the chart marks (data-label, data-value) by chart."""

    def __init__(self, text: str):
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.marks: dict[str, list[tuple[str, float]]] = {}
        self.targets: list[float] = []
        self._open: list[str] = []
        self._section = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._section = a.get("id")
        if "id" in a:
            self._open.append(a["id"])
            self.by_id.setdefault(a["id"], "")
        elif tag not in ("br", "meta", "rect", "line", "circle", "polyline"):
            self._open.append(None)
        cls = a.get("class")
        if cls in ("bar", "point"):
            value = float(a["data-value"]) if a.get("data-value") else None
            self.marks.setdefault(self._section, []).append((a["data-label"], value))
        if cls == "target":
            self.targets.append(float(a["data-value"]))

    def handle_endtag(self, tag):
        if tag not in ("br", "meta", "rect", "line", "circle", "polyline") and self._open:
            self._open.pop()

    def handle_data(self, data):
        data = data.replace("\u00a0", " ")  # units follow no-break spaces
        for ident in self._open:
            if ident is not None:
                self.by_id[ident] += data


# ---------------------------------------------------------------- figures and formatting


def test_formats_are_indonesian():
    assert html.pct(0.34990) == "34,99\u00a0%"
    assert html.num(1234567) == "1.234.567"
    assert html.points(-0.0512) == "−5,12\u00a0poin"
    assert html.rupiah(2_345_600_000) == "Rp\u00a02,35\u00a0miliar"
    assert html.month_name("2026-03") == "Maret 2026"
    assert html.pct(None) == "–"


def test_target_is_a_parameter():
    assert html.target_from(None) == html.DEFAULT_TARGET == 0.3499
    assert html.target_from("43.92") == pytest.approx(0.4392)
    assert html.target_from("52,15 %") == pytest.approx(0.5215)
    assert html.target_from(0.3215) == pytest.approx(0.3215)
    assert html.name_of_target(0.4392) == "RPJMN 2029"
    with pytest.raises(ValueError):
        html.target_from("150")


def test_nice_scale_ends():
    assert svg.nice_top(0.3779) == pytest.approx(0.4)
    assert svg.nice_top(152) == 200
    assert svg.nice_top(0) == 1.0


def test_collect_reads_the_month_from_the_marts(wh):
    d = collect(wh, MONTHS[-1])
    rows = coverage_rows()
    kab = rows[(rows["periode"] == MONTHS[-1]) & (rows["tingkat"] == "kabupaten")].iloc[0]
    assert d.kabupaten["peserta_aktif"] == kab["peserta_aktif"]
    assert len(d.kecamatan) == 30 and d.kecamatan["coverage"].is_monotonic_decreasing
    assert list(d.trend["periode"]) == MONTHS
    assert len(d.officials) == 245 and d.officials["nama_kecamatan"].notna().all()
    assert dict(zip(d.compliance["kategori_kepatuhan"], d.compliance["perusahaan"],
                    strict=True)) == COMPLIANCE
    assert sorted(d.alerts["status"].unique()) == ["new", "ongoing"] and len(d.alerts) == 7


def test_the_file_is_self_contained(page):
    text = page.read_text(encoding="utf-8")
    assert page.name == f"ucj_report_{MONTHS[-1]}.html"
    assert text.startswith("<!DOCTYPE html>")
    for external in ("<script", "<link", "<img", "<iframe", "src=", "url(", "@import",
                     "http://", "https://"):
        assert external not in text, external
    assert text.count("<svg") >= 5


def test_dana_desa_section_only_when_its_mart_exists(wh, tmp_path):
    assert 'id="kpi-premi-dds"' in html.render(collect(wh, MONTHS[-1]))
    absent = build(tmp_path / "absent.duckdb", dana_desa="absent")
    empty = build(tmp_path / "empty.duckdb", dana_desa="empty")
    try:
        d = collect(absent, MONTHS[-1])
        assert d.dana_desa is None
        text = html.render(d)
        assert 'id="dana-desa"' not in text and 'id="kecamatan"' in text
        text = html.render(collect(empty, MONTHS[-1]))
        assert 'id="dana-desa"' in text and "Belum ada APBDes tahun 2026" in text
        assert 'id="kpi-premi-dds"' not in text
    finally:
        absent.close()
        empty.close()


def test_incomplete_roll_ups_are_said_and_unknown_figures_not_shown_as_zero(wh, tmp_path):
    """Roll-ups that leave desa out (issue 21) say so under the figures they concern; NULL
    coverage and revenue read as unknown (–), never 0."""
    assert 'id="coverage-incomplete"' not in html.render(collect(wh, MONTHS[-1]))
    gaps = build(tmp_path / "gaps.duckdb")
    p = {"p": MONTHS[-1], "k": "32.13.01"}
    try:
        with gaps.transaction() as s:
            s.execute("UPDATE marts.mart_coverage SET desa_penyebut = 252, desa_wilayah = 253, "
                      "peserta_tanpa_penyebut = 41 WHERE periode = :p AND tingkat = 'kabupaten'",
                      p)
            s.execute("UPDATE marts.mart_coverage SET peserta_aktif = 0, penduduk_bekerja = NULL, "
                      "coverage = NULL, desa_penyebut = 0, desa_wilayah = 8, "
                      "peserta_tanpa_penyebut = 120 WHERE periode = :p AND kode_wilayah = :k", p)
            s.execute("UPDATE marts.mart_village_official_coverage SET desa_penyebut = 244, "
                      "desa_wilayah = 245, perangkat_tanpa_penyebut = 3 "
                      "WHERE periode = :p AND tingkat = 'kabupaten'", p)
            s.execute("UPDATE marts.mart_dana_desa SET desa_dana_desa = 239, "
                      "dana_desa_realisasi = NULL, porsi_premi_dana_desa_realisasi = NULL "
                      "WHERE tingkat = 'kabupaten'")
        text = html.render(collect(gaps, MONTHS[-1]))
    finally:
        gaps.close()
    dom = Dom(text)
    assert dom.by_id["coverage-incomplete"] == (
        "Cakupan dihitung atas 252 dari 253 desa/kelurahan yang memiliki data penduduk bekerja; "
        "41 peserta aktif di desa/kelurahan lainnya tidak dihitung.")
    assert "244 dari 245 desa" in dom.by_id["perangkat-incomplete"]
    name = wilayah.load().set_index("kode_wilayah").loc["32.13.01", "nama"]
    assert (name, None) in dom.marks["kecamatan"]  # no bar of 0 %
    assert "0 peserta / – bekerja (0 dari 8 desa)" in text
    assert "hanya 239 di antaranya memuat pendapatan Dana Desa" in text
    for label in ("Dana Desa terealisasi", "porsi Dana Desa untuk premi"):
        assert f'<div class="v ">–</div><div class="l">{label}</div>' in text


def test_write_reports_renders_the_loaded_months_and_the_latest(url, tmp_path):
    paths = html.write_reports(url, tmp_path / "lake", ["2026-01"], target=0.4392)
    assert [p.name for p in paths] == ["ucj_report_2026-01.html", "ucj_report_2026-03.html"]
    assert all(p.parent == tmp_path / "reports" for p in paths)
    assert "RPJMN 2029" in paths[0].read_text()


def test_cli_writes_the_latest_month(url, tmp_path, monkeypatch, capsys):
    from ucj.report.__main__ import main

    monkeypatch.setenv("UCJ_WAREHOUSE_URL", url)
    assert main(["--out", str(tmp_path), "--target", "32.15"]) == 0
    out = Path(capsys.readouterr().out.strip())
    assert out == tmp_path / f"ucj_report_{MONTHS[-1]}.html"
    assert "RPJMN 2025" in out.read_text()


# ---------------------------------------------------------------- in a real browser


@NEEDS_CHROMIUM
def test_chromium_shows_the_figures_of_the_marts(page, tmp_path):
    dom = Dom(browser.dump_dom(page))
    rows = coverage_rows()
    month = rows[rows["periode"] == MONTHS[-1]]
    kab = month[month["tingkat"] == "kabupaten"].iloc[0]
    expected = kab["peserta_aktif"] / kab["penduduk_bekerja"]
    assert dom.by_id["kpi-coverage"].startswith(percent(expected))
    assert percent(0.3499) in dom.by_id["kpi-target"]
    assert dom.by_id["periode"] == "Maret 2026"
    # kecamatan: all 30, sorted, best first, values as in the mart
    kec = month[month["tingkat"] == "kecamatan"].sort_values("coverage", ascending=False)
    bars = dom.marks["kecamatan"]
    assert [label for label, _ in bars] == list(kec["nama_wilayah"])
    assert [v for _, v in bars] == pytest.approx(list(kec["coverage"]))
    assert 0.3499 in dom.targets
    # the trend has one point per loaded month
    assert [label for label, _ in dom.marks["tren"]] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    # village officials, compliance, Dana Desa, alerts
    off = official_rows(MONTHS[-1])
    total = off[off["tingkat"] == "kabupaten"].iloc[0]
    assert dom.by_id["perangkat-coverage"] == percent(total["coverage"])
    assert dict(dom.marks["kepatuhan"]) == {k: float(v) for k, v in COMPLIANCE.items()}
    assert dom.by_id["kpi-premi-dds"].startswith("Rp 2,35 miliar")
    assert len(dom.marks["dana-desa"]) == 30
    assert dom.by_id["alerts-open"] == "7"


@NEEDS_CHROMIUM
def test_chromium_screenshot_is_a_real_picture(page, tmp_path):
    shot = browser.screenshot(page, tmp_path / "report.png", width=1000, height=1400)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1000, 1400)
    assert len(data) > 40_000  # a blank page compresses to a few kilobytes
    assert re.search(rb"IDAT", data)


def test_the_warehouse_dag_renders_the_report_after_the_load(dagbag):
    dag = dagbag.dags["ucj_warehouse"]
    report = dag.get_task("report")
    assert report.upstream_task_ids == {"load"}
    assert dag.get_task("alerts").upstream_task_ids == {"load"}
    assert dag.get_task("deliver_alerts").upstream_task_ids == {"alerts"}
    assert dag.max_active_tasks == 1  # the report never reads DuckDB while alerts write
    assert dag.params["target_coverage"] is None
