"""The report's "Rencana aksi" section (issue 18) and one spreadsheet per kecamatan.

Figures come from ``marts.mart_rencana_aksi`` and ``marts.mart_inisiatif_iuran`` as they are
(nothing computed twice): the kabupaten plan in one sentence, the kecamatan ranked by persons
missing with their channel split (stacked bars), the desa whose plan exceeds the Dana Desa
cap, and the persons protected by who pays, beside the month before. ``write_workbooks``
writes, beside the HTML report, ``rencana_aksi_<periode>_<kode kecamatan>.xlsx``: the desa of
one kecamatan with their plan, for the camat and the village heads' planning meetings.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from ucj.report import svg
from ucj.report.fmt import _missing, _table, num, pct, rupiah

# the four channels: column, label, colour, who pays
CHANNELS = [
    ("tk_perusahaan", "kepatuhan perusahaan", svg.NEUTRAL, "pemberi kerja"),
    ("perangkat", "perangkat desa", svg.GOOD, "Dana Desa/ADD"),
    ("non_asn", "non-ASN", "#8e6cc0", "APBD"),
    ("rentan", "pekerja rentan", svg.BAD, "Dana Desa, APBD atau CSR"),
]
SUMBER = [("APBD_KABUPATEN", "APBD kabupaten"), ("APBD_PROVINSI", "APBD provinsi"),
          ("DANA_DESA", "Dana Desa"), ("CSR", "CSR"), ("PEMBERI_KERJA", "pemberi kerja"),
          ("MANDIRI", "mandiri")]
SHEET_COLUMNS = [  # spreadsheet columns: mart column, header
    ("kode_wilayah", "Kode desa"), ("nama_wilayah", "Desa/kelurahan"),
    ("penduduk_bekerja", "Penduduk bekerja"), ("peserta_aktif", "Peserta aktif"),
    ("peserta_target", "Peserta sesuai target"), ("kurang", "Kurang (orang)"),
    ("tk_perusahaan", "Kepatuhan perusahaan (orang)"),
    ("biaya_tk_perusahaan", "Biaya pemberi kerja / tahun (Rp)"),
    ("perangkat", "Perangkat desa (orang)"), ("biaya_perangkat", "Biaya perangkat / tahun (Rp)"),
    ("non_asn", "Non-ASN (orang)"), ("biaya_non_asn", "Biaya non-ASN APBD / tahun (Rp)"),
    ("rentan", "Pekerja rentan (orang)"), ("biaya_rentan", "Biaya pekerja rentan / tahun (Rp)"),
    ("dana_desa_anggaran", "Dana Desa (Rp)"),
    ("porsi_rentan_dana_desa", "Porsi Dana Desa untuk pekerja rentan"),
    ("biaya_rentan_dana_desa", "Dari Dana Desa (Rp)"),
    ("biaya_rentan_lebih", "Di atas batas: APBD atau CSR (Rp)"),
    ("desa_melebihi_batas", "Melebihi batas Dana Desa"),
    ("biaya_total", "Biaya total / tahun (Rp)"), ("peserta_csr", "Peserta dibiayai CSR"),
    ("perusahaan_sponsor", "Perusahaan patuh menengah/besar"),
]


@dataclass
class RencanaData:
    kabupaten: pd.Series
    kecamatan: pd.DataFrame  # ranked by persons missing
    over_cap: pd.DataFrame   # desa whose plan exceeds the Dana Desa cap
    inisiatif: pd.DataFrame  # kabupaten rows of mart_inisiatif_iuran


def collect(s, periode: str) -> RencanaData | None:
    """The month's plan (``s``: a session), None when the warehouse has no plan of it."""
    if not _exists(s, "mart_rencana_aksi"):
        return None
    p = {"periode": periode}
    plan = s.query("SELECT * FROM marts.mart_rencana_aksi WHERE periode = :periode "
                   "AND tingkat IN ('kabupaten', 'kecamatan')", p)
    kab = plan[plan["tingkat"] == "kabupaten"]
    if kab.empty:
        return None
    kec = plan[plan["tingkat"] == "kecamatan"].sort_values(
        ["kurang", "nama_wilayah"], ascending=[False, True], na_position="last")
    over = s.query("SELECT * FROM marts.mart_rencana_aksi WHERE periode = :periode "
                   "AND tingkat = 'desa' AND desa_melebihi_batas = 1 "
                   "ORDER BY biaya_rentan_lebih DESC, kode_wilayah", p)
    inisiatif = (s.query("SELECT * FROM marts.mart_inisiatif_iuran WHERE periode = :periode "
                         "AND tingkat = 'kabupaten'", p)
                 if _exists(s, "mart_inisiatif_iuran") else pd.DataFrame())
    return RencanaData(kab.iloc[0], kec.reset_index(drop=True), over, inisiatif)


def _exists(s, table: str) -> bool:
    return int(s.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                        "'marts' AND table_name = :t", {"t": table}) or 0) > 0


def target_name(target: float) -> str:
    from ucj import rencana

    names = {round(v, 6): k for k, v in rencana.TARGETS.items()}
    return names.get(round(float(target), 6), "parameter")


def sentence(kab: pd.Series) -> str:
    """The kabupaten plan in one sentence (plain text)."""
    if _missing(kab["kurang"]):
        return "Rencana aksi belum dapat dihitung: penduduk bekerja belum ada untuk bulan ini."
    channels = ", ".join(f"{num(kab[c])} lewat {label}" for c, label, _, _ in CHANNELS)
    return (f"Untuk mencapai target {pct(kab['target_coverage'])} "
            f"({target_name(kab['target_coverage'])}) Kabupaten Subang perlu melindungi "
            f"{num(kab['kurang'])} pekerja lagi: {channels}. Biaya setahun "
            f"{rupiah(kab['biaya_total'])}: {rupiah(kab['biaya_pemberi_kerja'])} dibayar "
            f"pemberi kerja, {rupiah(kab['biaya_dana_desa'])} dari Dana Desa/ADD, "
            f"{rupiah(kab['biaya_apbd'])} dari APBD untuk non-ASN dan "
            f"{rupiah(kab['biaya_apbd_atau_csr'])} dari APBD atau CSR (di atas batas "
            f"{pct(kab['batas_porsi_dana_desa'], 1)} Dana Desa).")


def section(r: RencanaData | None) -> str:
    if r is None:
        return ('<section id="rencana-aksi"><h2>Rencana aksi</h2><p class="note">Belum ada '
                "rencana aksi untuk bulan ini (marts.mart_rencana_aksi).</p></section>")
    kab = r.kabupaten
    stacks = [svg.Stack(k.nama_wilayah, [(label, float(getattr(k, c) or 0), color)
                                         for c, label, color, _ in CHANNELS])
              for k in r.kecamatan.itertuples() if not _missing(k.kurang)]
    chart = svg.stacked_hbars(stacks, num, title="Kecamatan menurut pekerja yang kurang, per jalur")
    over_rows = [[escape(str(d.nama_wilayah)), escape(str(d.nama_kecamatan)), num(d.rentan),
                  rupiah(d.biaya_rentan), rupiah(d.dana_desa_anggaran),
                  pct(d.porsi_rentan_dana_desa, 1), rupiah(d.biaya_rentan_lebih)]
                 for d in r.over_cap.itertuples()]
    over = (_table(["Desa", "Kecamatan", "Pekerja rentan", "Biaya/tahun", "Dana Desa",
                    "Porsi", "Di atas batas"], over_rows, {2, 3, 4, 5, 6})
            if over_rows else '<p class="note">Tidak ada desa yang melebihi batas.</p>')
    return (f'<section id="rencana-aksi"><h2>Rencana aksi</h2>'
            f'<p id="rencana-kalimat">{escape(sentence(kab))}</p>{chart}'
            f'<h3>Desa yang rencananya melebihi batas Dana Desa '
            f'(<span id="rencana-desa-melebihi">{num(len(r.over_cap))}</span>)</h3>{over}'
            f"{_inisiatif(r.inisiatif)}"
            '<p class="note">Kurang = target × penduduk bekerja (dibulatkan ke atas) − peserta '
            "aktif, per desa; jalur diisi berurutan: kepatuhan perusahaan (PWBD dan PDS TK), "
            "perangkat desa, non-ASN di kedudukan OPD-nya, sisanya pekerja rentan dengan iuran "
            f"BPU {rupiah(kab['iuran_bpu_bulanan'])}/bulan. Satu lembar kerja (XLSX) per "
            "kecamatan ada di samping laporan ini.</p></section>")


def _inisiatif(df: pd.DataFrame) -> str:
    if df.empty:
        return ""
    by = df.set_index("sumber_iuran")
    rows = []
    for code, label in SUMBER:
        if code not in by.index:
            continue
        x = by.loc[code]
        change = "–" if _missing(x["perubahan"]) else f"{int(x['perubahan']):+d}"
        rows.append([escape(label), num(x["peserta_aktif"]), num(x["peserta_bulan_lalu"]),
                     f'<span data-sumber="{code}">{change}</span>'])
    return ("<h3>Peserta aktif menurut pembayar iuran</h3>"
            + _table(["Pembayar", "Bulan ini", "Bulan lalu", "Perubahan"], rows, {1, 2, 3}))


# ---------------------------------------------------------------- spreadsheets

def workbook_path(out_dir: Path, periode: str, kode_kecamatan: str) -> Path:
    return Path(out_dir) / f"rencana_aksi_{periode}_{kode_kecamatan}.xlsx"


def write_workbooks(wh, out_dir: Path, periode: str) -> list[Path]:
    """One XLSX per kecamatan: its desa with their plan and the kecamatan's total; none when
    the warehouse has no plan of the month. Each written to a temporary name, then renamed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with wh.transaction() as s:
        if not _exists(s, "mart_rencana_aksi"):
            return []
        plan = s.query("SELECT * FROM marts.mart_rencana_aksi WHERE periode = :periode "
                       "AND tingkat <> 'kabupaten' ORDER BY kode_wilayah", {"periode": periode})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for kode, rows in plan.groupby("kode_kecamatan", sort=True):
        kec = rows[rows["tingkat"] == "kecamatan"]
        desa = rows[rows["tingkat"] != "kecamatan"]
        if kec.empty:
            continue
        k = kec.iloc[0]
        wb = Workbook()
        ws = wb.active
        ws.title = "Rencana aksi"
        ws.append([f"Rencana aksi UCJ - Kecamatan {k['nama_wilayah']} ({kode}), {periode}"])
        ws.append([f"Target {pct(k['target_coverage'])} ({target_name(k['target_coverage'])}); "
                   f"batas Dana Desa untuk pekerja rentan {pct(k['batas_porsi_dana_desa'], 1)}; "
                   f"iuran BPU Rp {num(k['iuran_bpu_bulanan'])}/bulan"])
        ws.append([])
        ws.append([header for _, header in SHEET_COLUMNS])
        for cell in ws[4]:
            cell.font = Font(bold=True)
        for _, d in desa.iterrows():
            ws.append([_cell(d[c]) for c, _ in SHEET_COLUMNS])
        total = [_cell(k[c]) for c, _ in SHEET_COLUMNS]
        total[0], total[1] = kode, f"Jumlah Kecamatan {k['nama_wilayah']}"
        ws.append(total)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "C5"
        path = workbook_path(out_dir, periode, kode)
        tmp = path.with_name(f".{path.name}.tmp")
        wb.save(tmp)
        tmp.replace(path)
        paths.append(path)
    return paths


def _cell(v):
    """A spreadsheet value: numbers as numbers (int where whole), unknown as empty."""
    if _missing(v):
        return None
    if isinstance(v, str):
        return v
    f = float(v)
    return int(f) if f.is_integer() else f
