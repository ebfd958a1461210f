"""The district's monthly report: one self-contained HTML file per month (inline CSS and SVG,
no script, no external resource), written after each warehouse run.

    <lake parent>/reports/ucj_report_<periode>.html

It shows, for the month: UCJ coverage of the kabupaten against the target and per kecamatan
(sorted), the kabupaten trend over the loaded months, village-official coverage by desa,
Dana Desa used for premiums (when ``marts.mart_dana_desa`` exists), the action plan ("Rencana
aksi", ``ucj.report.rencana``: its XLSX per kecamatan are written beside the page), the company
compliance picture and the open alerts. Texts are in Indonesian, numbers in Indonesian notation.

The coverage target is a parameter (``target``, a fraction): in Airflow the ``target_coverage``
parameter of ``ucj_warehouse`` (percent), else ``UCJ_TARGET_COVERAGE`` (percent), else the RKP
2026 target. Other official targets are listed in ``TARGETS`` and quoted in the page footer.
"""

from __future__ import annotations

import os
from datetime import UTC
from html import escape
from pathlib import Path

import pandas as pd

from ucj.report import rencana, svg
from ucj.report.data import ReportData, collect, months
from ucj.report.fmt import _missing, _table, num, pct, points, rupiah  # noqa: F401 (re-exported)

DEFAULT_TARGET = 0.3499
TARGET_LABEL = "RKP 2026"
TARGET_ENV = "UCJ_TARGET_COVERAGE"  # percent, e.g. 34.99
TARGETS = {  # other official UCJ targets (fractions), quoted in the footer
    "RPJMN 2025": 0.3215, "RPJMN 2029": 0.4392, "Kemendagri 2025": 0.5215,
}
NATIONAL = ("nasional April 2025", 0.3568)
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]
KATEGORI = [  # compliance categories in display order, with colour and meaning
    ("PATUH", svg.GOOD, "patuh"),
    ("PDS", svg.BAD, "daftar sebagian (tenaga kerja, upah atau program)"),
    ("PWBD", svg.TARGET, "wajib tetapi belum daftar"),
    ("TIDAK_WAJIB", "#9aa5b1", "tidak wajib (tidak aktif atau tanpa tenaga kerja WLKP)"),
]
SHOWN_ALERTS = 30
SHOWN_DESA = 10


def month_name(periode: str) -> str:
    year, month = periode.split("-")
    return f"{BULAN[int(month) - 1]} {year}"


def month_short(periode: str) -> str:
    year, month = periode.split("-")
    return f"{BULAN[int(month) - 1][:3]} {year}"


# ---------------------------------------------------------------- parameters and paths

def target_from(value) -> float:
    """A target given in percent (34.99) or as a fraction (0.3499); '' or None: default."""
    if value is None or str(value).strip() == "":
        return DEFAULT_TARGET
    v = float(str(value).replace(",", ".").rstrip("% "))
    if not 0 < v <= 100:
        raise ValueError(f"coverage target must be a percentage in (0, 100], got {value!r}")
    return v / 100 if v > 1 else v


def env_target() -> float:
    return target_from(os.environ.get(TARGET_ENV))


def name_of_target(target: float) -> str:
    """The official name of a target value, else 'parameter'."""
    names = {round(v, 6): k for k, v in {TARGET_LABEL: DEFAULT_TARGET, **TARGETS}.items()}
    return names.get(round(target, 6), "parameter")


def report_dir(lake: Path) -> Path:
    """Beside a local lake. The report reads the warehouse only, never the lake: with a lake
    on an object store it is written on the worker that ran the task, under ``UCJ_HOME``
    (``data/reports``), like the validation reports."""
    from ucj.io import store

    if store.is_remote(lake):
        return Path(os.environ.get("UCJ_HOME", Path.cwd() / ".local")) / "data" / "reports"
    return Path(lake).parent / "reports"


def report_path(lake: Path, periode: str) -> Path:
    return report_dir(lake) / f"ucj_report_{periode}.html"


# ---------------------------------------------------------------- page

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f5f7fa;color:#1f2933;
 font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 20px 40px}
header{border-bottom:3px solid #1b7f6b;margin-bottom:18px;padding-bottom:10px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:0 0 8px}
.sub{color:#616e7c;margin:0}
section{background:#fff;border:1px solid #e3e6ea;border-radius:8px;padding:16px 18px;
 margin:0 0 18px;break-inside:avoid}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;
 margin:0 0 18px}
.kpi{background:#fff;border:1px solid #e3e6ea;border-radius:8px;padding:10px 12px}
.kpi .v{font-size:19px;font-weight:700}
.kpi .l{color:#616e7c;font-size:13px}
.good{color:#1b7f6b}.bad{color:#b3261e}
.note{color:#616e7c;font-size:13px;margin:6px 0 0}.note.bad{color:#b3261e}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin-top:8px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{background:#f0f3f6}
td.n,th.n{text-align:right;white-space:nowrap}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
@media (max-width:760px){.cols{grid-template-columns:1fr}}
.badge{display:inline-block;border-radius:10px;padding:0 7px;font-size:12px;color:#fff}
.tinggi{background:#b3261e}.sedang{background:#d9822b}
footer{color:#616e7c;font-size:12.5px}
svg.chart{display:block;max-width:100%;height:auto}
"""


def _kpi(value: str, label: str, kpi_id: str = "", cls: str = "") -> str:
    ident = f' id="{kpi_id}"' if kpi_id else ""
    return (f'<div class="kpi"{ident}><div class="v {cls}">{escape(value)}</div>'
            f'<div class="l">{escape(label)}</div></div>')


def _labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for module in ("ucj.alerts.company", "ucj.alerts.village"):
        try:
            labels.update(__import__(module, fromlist=["LABELS"]).LABELS)
        except (ImportError, AttributeError):
            pass
    return labels


def _known(row, column: str):
    """A figure of a mart row, None when the row, the column (an older mart) or the value is
    missing."""
    if row is None or column not in row.index or _missing(row[column]):
        return None
    return row[column]


def _covered(row) -> tuple | None:
    """(desa_penyebut, desa_wilayah) of a roll-up row whose ratio leaves desa out (the marts
    sum both sides over the desa with a denominator only), None when it covers its area."""
    have, every = _known(row, "desa_penyebut"), _known(row, "desa_wilayah")
    return (have, every) if have is not None and every is not None and have < every else None


def _incomplete(row, tanpa: str, data: str, desa: str, orang: str) -> str:
    """The sentence a roll-up row needs when :func:`_covered` finds desa left out."""
    if _covered(row) is None:
        return ""
    have, every = _covered(row)
    out = _known(row, tanpa) or 0
    if not have:
        return (f"Belum ada data {data} untuk {desa} mana pun: cakupan tidak diketahui "
                f"({num(out)} {orang} tidak dihitung).")
    return (f"Cakupan dihitung atas {num(have)} dari {num(every)} {desa} yang memiliki data "
            f"{data}; {num(out)} {orang} di {desa} lainnya tidak dihitung.")


def _coverage_section(d: ReportData, target: float, target_name: str) -> str:
    kec = d.kecamatan

    def label(r) -> str:
        part = _covered(pd.Series(r._asdict()))
        return (f"{num(r.peserta_aktif)} peserta / {num(r.penduduk_bekerja)} bekerja"
                + (f" ({num(part[0])} dari {num(part[1])} desa)" if part else ""))

    bars = [svg.Bar(r.nama_wilayah, None if _missing(r.coverage) else float(r.coverage),
                    label(r)) for r in kec.itertuples()]
    chart = svg.hbars(bars, pct, title=f"Cakupan UCJ per kecamatan, {month_name(d.periode)}",
                      target=target, target_label=f"Target {pct(target)} ({target_name})")
    known = kec.dropna(subset=["coverage"])
    reached = int((known["coverage"] >= target).sum())
    note = ""
    if not known.empty:
        best, worst = known.iloc[0], known.iloc[-1]
        note = (f"Tertinggi: <b>{escape(best.nama_wilayah)}</b> ({pct(best.coverage)}); "
                f"terendah: <b>{escape(worst.nama_wilayah)}</b> ({pct(worst.coverage)}). "
                f"{reached} dari {len(kec)} kecamatan mencapai target.")
    return (f'<section id="kecamatan"><h2>Cakupan UCJ per kecamatan</h2>{chart}'
            f'<p class="note">{note} Hijau: mencapai target; oranye: di bawah target; '
            "–: tidak diketahui (tanpa data penduduk bekerja). "
            "Cakupan = peserta aktif yang tinggal di kecamatan / penduduk bekerja.</p></section>")


def _trend_section(d: ReportData, target: float, target_name: str) -> str:
    pts = [(month_short(r.periode), None if _missing(r.coverage) else float(r.coverage))
           for r in d.trend.itertuples()]
    chart = svg.line(pts, pct, title="Tren cakupan UCJ Kabupaten Subang", target=target,
                     target_label=f"Target {pct(target)} ({target_name})")
    note = (f"{len(pts)} bulan dimuat di gudang data."
            if len(pts) > 1 else "Baru satu bulan dimuat di gudang data.")
    return (f'<section id="tren"><h2>Tren cakupan kabupaten</h2>{chart}'
            f'<p class="note">{note}</p></section>')


def _bucket(c) -> str:
    if _missing(c):
        return "tanpa data"
    if c <= 0:
        return "0 %"
    if c < 0.5:
        return "1–49 %"
    if c < 1:
        return "50–99 %"
    return "100 %"


def _officials_section(d: ReportData) -> str:
    desa = d.officials
    if desa.empty:
        return ('<section id="perangkat"><h2>Cakupan perangkat desa</h2>'
                '<p class="note">Belum ada data perangkat desa untuk bulan ini.</p></section>')
    tot = d.officials_total
    head = ""
    if tot is not None:
        gap = _incomplete(tot, "perangkat_tanpa_penyebut", "jumlah perangkat", "desa",
                          "perangkat aktif")
        head = (f'<p>Kabupaten: <b id="perangkat-coverage">{pct(tot.coverage)}</b> '
                f"({num(tot.perangkat_aktif)} dari {num(tot.jumlah_perangkat_desa)} perangkat "
                "desa terdaftar aktif).</p>"
                + (f'<p class="note bad" id="perangkat-incomplete">{escape(gap)}</p>'
                   if gap else ""))
    order = ["0 %", "1–49 %", "50–99 %", "100 %", "tanpa data"]
    counts = desa["coverage"].map(_bucket).value_counts()
    colors = {"0 %": svg.TARGET, "1–49 %": svg.BAD, "50–99 %": svg.NEUTRAL,
              "100 %": svg.GOOD, "tanpa data": "#9aa5b1"}
    chart = svg.vbars([svg.Bar(b, int(counts.get(b, 0)), color=colors[b]) for b in order
                       if b != "tanpa data" or counts.get(b, 0)],
                      num, title="Jumlah desa menurut cakupan perangkat desa", width=460)
    known = desa.dropna(subset=["coverage"]).sort_values(
        ["coverage", "jumlah_perangkat_desa", "nama_wilayah"], ascending=[True, False, True])

    def rows(df):
        return [[escape(str(r.nama_wilayah)), escape(str(r.nama_kecamatan or "")),
                 f"{num(r.perangkat_aktif)} / {num(r.jumlah_perangkat_desa)}", pct(r.coverage, 0)]
                for r in df.itertuples()]

    headers = ["Desa", "Kecamatan", "Aktif / perangkat", "Cakupan"]
    low = _table(headers, rows(known.head(SHOWN_DESA)), {2, 3})
    high = _table(headers, rows(known.tail(SHOWN_DESA).iloc[::-1]), {2, 3})
    return (f'<section id="perangkat"><h2>Cakupan perangkat desa</h2>{head}'
            f'<div class="cols"><div>{chart}<p class="note">{len(desa)} desa; kelurahan tidak '
            "memiliki perangkat desa.</p></div>"
            f'<div><h3>{SHOWN_DESA} desa terendah</h3>{low}</div></div>'
            f"<h3>{SHOWN_DESA} desa tertinggi</h3>{high}</section>")


def _dana_desa_section(d: ReportData) -> str:
    if d.dana_desa is None:
        return ""
    tahun = d.periode[:4]
    df = d.dana_desa
    kab = df[df["tingkat"] == "kabupaten"] if "tingkat" in df else df.iloc[0:0]
    if kab.empty:
        return (f'<section id="dana-desa"><h2>Dana Desa untuk premi ({tahun})</h2>'
                f'<p class="note">Belum ada APBDes tahun {tahun} di gudang data.</p></section>')
    k = kab.iloc[0]

    def get(name):
        return k[name] if name in k.index else None

    if _missing(get("desa_apbdes")) or not get("desa_apbdes"):
        peserta = get("peserta_dana_desa")
        return (f'<section id="dana-desa"><h2>Dana Desa untuk premi ({tahun})</h2>'
                f'<p class="note">Belum ada APBDes tahun {tahun} di gudang data'
                + (f"; {num(peserta)} peserta aktif dengan iuran dari Dana Desa"
                   if not _missing(peserta) else "") + ".</p></section>")
    kpis = "".join([
        _kpi(rupiah(get("premi_dds_realisasi")), "premi dibayar dari Dana Desa (realisasi)",
             "kpi-premi-dds"),
        _kpi(rupiah(get("premi_dds_anggaran")), "premi dari Dana Desa (anggaran)"),
        _kpi(pct(get("porsi_premi_dana_desa_realisasi")), "porsi Dana Desa untuk premi"),
        _kpi(rupiah(get("dana_desa_realisasi")), "Dana Desa terealisasi"),
        _kpi(num(get("peserta_dana_desa")), "peserta dengan iuran dari Dana Desa"),
    ])
    kec = df[df["tingkat"] == "kecamatan"].copy()
    chart = ""
    if not kec.empty and "premi_dds_realisasi" in kec:
        kec = kec.sort_values(["premi_dds_realisasi", "nama_wilayah"], ascending=[False, True],
                              na_position="last")
        bars = [svg.Bar(r.nama_wilayah, None if _missing(r.premi_dds_realisasi)
                        else float(r.premi_dds_realisasi), color=svg.NEUTRAL)
                for r in kec.itertuples()]
        chart = svg.hbars(bars, rupiah, title=f"Premi dari Dana Desa per kecamatan, {tahun}",
                          label_width=150)
    desa = df[df["tingkat"] == "desa"]
    flags = [("is_premi_perangkat_tanpa_peserta", "premi perangkat tanpa peserta sepadan"),
             ("is_premi_rentan_tanpa_peserta", "premi pekerja rentan tanpa peserta sepadan"),
             ("is_peserta_perangkat_tanpa_premi", "perangkat dengan iuran Dana Desa tanpa premi"),
             ("is_peserta_rentan_tanpa_premi", "pekerja rentan dengan iuran Dana Desa tanpa premi")]
    flagged = [f"{int(desa[c].fillna(False).astype(bool).sum())} desa: {escape(t)}"
               for c, t in flags if c in desa]
    apbdes, reporting = get("desa_apbdes"), _known(k, "desa_dana_desa")
    note = (f"APBDes {tahun} dari {num(apbdes)} desa"
            + (f"; hanya {num(reporting)} di antaranya memuat pendapatan Dana Desa (4.2.1): "
               "Dana Desa dan porsinya dihitung atas desa itu saja"
               if reporting is not None and reporting < apbdes else "")
            + (f", bulan kepesertaan sampai {escape(str(get('periode_akhir')))}"
               if not _missing(get("periode_akhir")) else "") + ". "
            + ("; ".join(flagged) + "." if flagged else ""))
    return (f'<section id="dana-desa"><h2>Dana Desa untuk premi ({tahun})</h2>'
            f'<div class="kpis">{kpis}</div>{chart}<p class="note">{note}</p></section>')


def _compliance_section(d: ReportData) -> str:
    comp = d.compliance
    if comp.empty:
        return ('<section id="kepatuhan"><h2>Kepatuhan perusahaan</h2><p class="note">Belum ada '
                "data perusahaan (registri WLKP/OSS) untuk bulan ini.</p></section>")
    counts = dict(zip(comp["kategori_kepatuhan"], comp["perusahaan"], strict=True))
    known = [k for k, _, _ in KATEGORI]
    bars = [svg.Bar(k, int(counts.get(k, 0)), color=c) for k, c, _ in KATEGORI]
    bars += [svg.Bar(k, int(v)) for k, v in counts.items() if k not in known]
    chart = svg.vbars(bars, num, title=f"Perusahaan menurut kategori kepatuhan, "
                                       f"{month_name(d.periode)}", width=460)
    total = sum(int(v) for v in counts.values())
    rows = [[escape(k), escape(meaning), num(counts.get(k, 0)),
             pct(counts.get(k, 0) / total if total else None, 1)] for k, _, meaning in KATEGORI]
    table = _table(["Kategori", "Arti", "Perusahaan", "Porsi"], rows, {2, 3})
    return (f'<section id="kepatuhan"><h2>Kepatuhan perusahaan</h2><div class="cols">'
            f"<div>{chart}</div><div>{table}<p class=\"note\">{num(total)} perusahaan di "
            "registri pada akhir bulan.</p></div></div></section>")


def _alerts_section(d: ReportData) -> str:
    al = d.alerts
    if al.empty:
        return ('<section id="peringatan"><h2>Peringatan terbuka</h2>'
                '<p class="note">Tidak ada peringatan terbuka bulan ini.</p></section>')
    labels = _labels()
    summary = (al.groupby(["rule", "status"]).size().unstack(fill_value=0)
               .reindex(columns=["new", "ongoing"], fill_value=0))
    summary_rows = [[escape(labels.get(rule, rule)), num(r["new"]), num(r["ongoing"]),
                     num(r["new"] + r["ongoing"])] for rule, r in summary.iterrows()]
    head = _table(["Aturan", "Baru", "Berlanjut", "Jumlah"], summary_rows, {1, 2, 3})
    shown = al.head(SHOWN_ALERTS)
    rows = [[f'<span class="badge {escape(r.severity)}">{escape(r.severity)}</span>',
             escape(labels.get(r.rule, r.rule)),
             escape(str(r.subject_name or r.subject_id)),
             "baru" if r.status == "new" else f"berlanjut sejak {escape(str(r.first_periode))}"]
            for r in shown.itertuples()]
    more = (f'<p class="note">… dan {num(len(al) - len(shown))} peringatan lainnya '
            "(lihat marts.alerts).</p>" if len(al) > len(shown) else "")
    return (f'<section id="peringatan"><h2>Peringatan terbuka '
            f'(<span id="alerts-open">{num(len(al))}</span>)</h2>{head}'
            f'<h3>Daftar peringatan</h3>{_table(["Tingkat", "Aturan", "Subjek", "Status"], rows)}'
            f"{more}</section>")


def render(d: ReportData, target: float = DEFAULT_TARGET, name: str | None = None) -> str:
    target_name = name or name_of_target(target)
    kab = d.kabupaten
    cov = None if kab is None or _missing(kab["coverage"]) else float(kab["coverage"])
    trend = d.trend.dropna(subset=["coverage"])
    before = trend[trend["periode"] < d.periode]
    change = (cov - float(before.iloc[-1]["coverage"])) if cov is not None and len(before) else None
    gap = cov - target if cov is not None else None
    kpis = "".join([
        _kpi(pct(cov), "cakupan UCJ Kabupaten Subang", "kpi-coverage",
             "good" if gap is not None and gap >= 0 else "bad"),
        _kpi(pct(target), f"target ({target_name})", "kpi-target"),
        _kpi(points(gap), "selisih terhadap target", "kpi-gap"),
        _kpi(num(kab["peserta_aktif"]) if kab is not None else "–", "peserta aktif",
             "kpi-peserta"),
        _kpi(num(kab["penduduk_bekerja"]) if kab is not None else "–", "penduduk bekerja"),
        _kpi(points(change), "perubahan dari bulan sebelumnya"),
    ])
    gap_note = _incomplete(kab, "peserta_tanpa_penyebut", "penduduk bekerja",
                           "desa/kelurahan", "peserta aktif")
    others = ", ".join(f"{k} {pct(v)}" for k, v in TARGETS.items())
    loaded = ("" if _missing(d.loaded_at)
              else f"; data kepesertaan dimuat {escape(str(d.loaded_at)[:19])}")
    body = "".join([
        f'<header><h1>Cakupan Jaminan Sosial Ketenagakerjaan (UCJ) – Kabupaten Subang</h1>'
        f'<p class="sub">Laporan bulanan <b id="periode">{month_name(d.periode)}</b> '
        f"({escape(d.periode)})</p></header>",
        f'<div class="kpis">{kpis}</div>',
        (f'<p class="note bad" id="coverage-incomplete">{escape(gap_note)}</p>'
         if gap_note else ""),
        _coverage_section(d, target, target_name),
        _trend_section(d, target, target_name),
        _officials_section(d),
        _dana_desa_section(d),
        rencana.section(d.rencana),
        _compliance_section(d),
        _alerts_section(d),
        f"<footer><p>Dibuat {d.generated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC dari marts "
        f"gudang data UCJ{loaded}. Target {pct(target)} ({escape(target_name)}) dapat diubah "
        f"(parameter target_coverage DAG ucj_warehouse atau {TARGET_ENV}, dalam persen). "
        "Target lain: "
        f"{others}; capaian {NATIONAL[0]} {pct(NATIONAL[1])}.</p></footer>",
    ])
    return ("<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Laporan UCJ Kabupaten Subang – {month_name(d.periode)}</title>"
            f"<style>{CSS}</style></head><body><main>{body}</main></body></html>\n")


def write_report(wh, out_dir: Path, periode: str | None = None,
                 target: float = DEFAULT_TARGET, name: str | None = None) -> Path:
    """Render the month (default: the latest in the warehouse) to
    ``out_dir/ucj_report_<periode>.html``; written to a temporary name, then renamed. The action
    plan's spreadsheets (``ucj.report.rencana``) are written beside it."""
    periode = periode or (months(wh) or [None])[-1]
    if periode is None:
        raise LookupError("the warehouse holds no month of coverage yet")
    html = render(collect(wh, periode), target, name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"ucj_report_{periode}.html"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    rencana.write_workbooks(wh, out_dir, periode)  # one XLSX per kecamatan, beside the page
    return path


def write_reports(url: str, lake: Path, periodes: list[str] | None = None,
                  target: float = DEFAULT_TARGET, name: str | None = None) -> list[Path]:
    """The report of each given month in the warehouse and always of the latest month."""
    from ucj import warehouse

    wh = warehouse.connect(url, read_only=True)
    try:
        held = months(wh)
        if not held:
            return []
        wanted = sorted({p for p in (periodes or []) if p in held} | {held[-1]})
        return [write_report(wh, report_dir(lake), p, target, name) for p in wanted]
    finally:
        wh.close()
