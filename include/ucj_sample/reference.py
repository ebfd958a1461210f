"""The places and organisations of the generated district, and the reference tables.

Villages come from the project's own wilayah table; population, agencies and employers are
drawn once per run and reused by every month, so npp and workplaces stay fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from . import domain as d

INDUSTRIAL_KECAMATAN = {  # factories and estates along the toll road and Subang town
    "Subang", "Kalijati", "Cipeundeuy", "Pabuaran", "Purwadadi", "Patokbeusi", "Cibogo",
    "Pagaden",
}

AGENCIES = (  # (kode_opd, nama_opd, relative roster size)
    ("1.01.01", "Dinas Pendidikan dan Kebudayaan", 8.0),
    ("1.02.01", "Dinas Kesehatan", 3.0),
    ("1.02.02", "RSUD Subang", 3.0),
    ("1.03.01", "Dinas Pekerjaan Umum dan Penataan Ruang", 1.5),
    ("1.04.01", "Dinas Perumahan dan Kawasan Permukiman", 0.8),
    ("1.05.01", "Satuan Polisi Pamong Praja", 1.5),
    ("1.05.02", "Badan Penanggulangan Bencana Daerah", 0.6),
    ("1.06.01", "Dinas Sosial", 0.8),
    ("2.07.01", "Dinas Tenaga Kerja Transmigrasi dan ESDM", 0.5),
    ("2.11.01", "Dinas Lingkungan Hidup", 2.0),
    ("2.12.01", "Dinas Kependudukan dan Pencatatan Sipil", 0.7),
    ("2.13.01", "Dinas Pemberdayaan Masyarakat dan Desa", 0.5),
    ("2.15.01", "Dinas Perhubungan", 1.0),
    ("2.16.01", "Dinas Komunikasi dan Informatika", 0.5),
    ("2.17.01", "Dinas Koperasi UKM Perdagangan dan Perindustrian", 0.6),
    ("2.18.01", "Dinas Penanaman Modal dan PTSP", 0.4),
    ("2.19.01", "Dinas Pariwisata Pemuda dan Olahraga", 0.6),
    ("3.25.01", "Dinas Perikanan", 0.5),
    ("3.27.01", "Dinas Pertanian", 1.2),
    ("4.01.01", "Sekretariat Daerah", 1.2),
    ("4.02.01", "Sekretariat DPRD", 0.8),
    ("5.01.01", "Badan Perencanaan Pembangunan Riset dan Inovasi Daerah", 0.4),
    ("5.02.01", "Badan Pengelolaan Keuangan dan Aset Daerah", 0.5),
    ("5.02.02", "Badan Pendapatan Daerah", 0.6),
    ("6.01.01", "Inspektorat Daerah", 0.3),
)
AGENCY_ROSTER_AT_300K = 7000


@dataclass
class Villages:
    codes: np.ndarray  # kode_desa text
    is_desa: np.ndarray
    kec: np.ndarray  # index into kec_names
    kec_names: list[str]
    kec_number: np.ndarray  # KK of 32.13.KK, per village
    size: np.ndarray  # relative number of residents, before the population is settled
    coverage: np.ndarray  # per kecamatan: drawn level of UCJ coverage
    weight: np.ndarray  # domicile placement weight
    perangkat: np.ndarray  # officials on the roster (0 for kelurahan)
    npp: np.ndarray  # village government's npp, -1 for kelurahan
    penduduk: np.ndarray | None = None  # base year, set by settle_population
    usia_kerja: np.ndarray | None = None
    bekerja: np.ndarray | None = None


@dataclass
class Agencies:
    kode: list[str]
    nama: list[str]
    npp: np.ndarray
    desa: np.ndarray  # village index of the seat
    roster: np.ndarray  # jumlah_non_asn in the base year


@dataclass
class Employers:
    npp: np.ndarray
    desa: np.ndarray
    risk: np.ndarray  # JKK risk class 0..4
    weight: np.ndarray  # long-tailed share of workers
    mask: np.ndarray  # program set every worker gets
    at_umk: np.ndarray  # share of workers reported exactly at UMK
    contractor: np.ndarray  # construction contractor (JAKON) rather than a PU employer


@dataclass
class World:
    villages: Villages
    agencies: Agencies
    employers: Employers
    base_year: int


def load_wilayah() -> pd.DataFrame:
    path = resources.files("ucj") / "reference" / "wilayah_3213.csv"
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to weights summing exactly to total (largest remainder)."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def build_villages(rng: np.random.Generator, npps: np.ndarray) -> Villages:
    w = load_wilayah()
    v = w[w["tingkat"].isin(["desa", "kelurahan"])].reset_index(drop=True)
    kec_names = list(dict.fromkeys(v["nama_kecamatan"]))
    kec = v["nama_kecamatan"].map({n: i for i, n in enumerate(kec_names)}).to_numpy()
    is_desa = (v["tingkat"] == "desa").to_numpy()
    size = rng.lognormal(0.0, 0.45, len(v)) * np.where(is_desa, 1.0, 1.6)
    coverage = rng.uniform(0.25, 0.45, len(kec_names))
    village_npp = np.full(len(v), -1, dtype=np.int64)
    village_npp[is_desa] = npps[: int(is_desa.sum())]
    return Villages(
        codes=v["kode_wilayah"].to_numpy(dtype=object),
        is_desa=is_desa,
        kec=kec,
        kec_names=kec_names,
        kec_number=v["kode_kecamatan"].str[-2:].astype(int).to_numpy(),
        size=size,
        coverage=coverage,
        weight=size * coverage[kec],
        perangkat=np.where(is_desa, rng.integers(10, 14, len(v)), 0),
        npp=village_npp,
    )


def settle_population(world: World, placed: np.ndarray, participants: int, seed: int) -> None:
    """Residents per village, drawn after the participants are placed.

    The district total is fixed (scaled to participants); each kecamatan gets residents in
    proportion to its placed active persons over its drawn coverage level, so coverage varies
    by kecamatan as drawn even where one large factory sits (PU are placed at the workplace).
    """
    v, rng = world.villages, d.stream(seed, "population_table")
    total = round(d.PENDUDUK_AT_300K * participants / d.REFERENCE_PARTICIPANTS)
    n_kec = len(v.kec_names)
    placed_k = np.bincount(v.kec, weights=placed, minlength=n_kec)
    per_kec = _allocate(total, (placed_k + 1.0) / v.coverage)
    size_share = v.size / np.bincount(v.kec, weights=v.size, minlength=n_kec)[v.kec]
    placed_share = placed / np.maximum(placed_k[v.kec], 1.0)
    within = 0.5 * size_share + 0.5 * placed_share + 1e-9
    penduduk = np.zeros(len(v.codes), dtype=np.int64)
    for k in range(n_kec):
        sel = v.kec == k
        penduduk[sel] = _allocate(int(per_kec[k]), within[sel])
    v.penduduk = penduduk
    v.usia_kerja = np.floor(penduduk * rng.uniform(0.68, 0.74, len(penduduk)) + 0.5)
    v.bekerja = np.floor(penduduk * rng.uniform(0.49, 0.55, len(penduduk)) + 0.5)


def build_agencies(
    rng: np.random.Generator, participants: int, villages: Villages, npps: np.ndarray
) -> Agencies:
    seats = np.flatnonzero(~villages.is_desa)  # all kelurahan lie in Kecamatan Subang
    rel = np.array([a[2] for a in AGENCIES]) * rng.lognormal(0.0, 0.25, len(AGENCIES))
    total = AGENCY_ROSTER_AT_300K * participants / d.REFERENCE_PARTICIPANTS
    roster = np.maximum(3, np.floor(rel / rel.sum() * total + 0.5)).astype(np.int64)
    return Agencies(
        kode=[a[0] for a in AGENCIES],
        nama=[a[1] for a in AGENCIES],
        npp=npps[: len(AGENCIES)],
        desa=rng.choice(seats, len(AGENCIES)),
        roster=roster,
    )


def build_employers(
    rng: np.random.Generator, participants: int, villages: Villages, npps: np.ndarray,
    workers_per_employer: int = 100,
) -> Employers:
    """PU employers: one per ``workers_per_employer`` participants (fewer participants per
    employer: a population of small firms)."""
    n_pu = int(np.clip(participants // workers_per_employer, 40, 900))
    n_con = max(5, n_pu // 12)
    n = n_pu + n_con
    industrial = np.isin(np.array(villages.kec_names)[villages.kec], list(INDUSTRIAL_KECAMATAN))
    place_w = villages.weight * np.where(industrial, 3.0, 1.0)
    full = d.JKK | d.JKM | d.JHT | d.JP
    plan = rng.choice(
        [full, full | d.JKP, d.JKK | d.JKM | d.JHT, d.JKK | d.JKM], n, p=[0.45, 0.27, 0.21, 0.07]
    )
    pds_upah = rng.random(n) < 0.25  # employers reporting most workers at exactly UMK
    return Employers(
        npp=npps[:n],
        desa=rng.choice(len(villages.codes), n, p=place_w / place_w.sum()),
        risk=rng.choice(5, n, p=[0.35, 0.30, 0.20, 0.10, 0.05]),
        weight=rng.lognormal(0.0, 1.4, n),  # a few large factories, many small firms
        mask=plan,
        at_umk=np.where(pds_upah, 0.85, 0.12),
        contractor=np.arange(n) >= n_pu,
    )


def build_world(seed: int, participants: int, base_year: int,
                workers_per_employer: int = 100) -> World:
    rng = d.stream(seed, "world")
    npps = rng.choice(10**8, 300 + d.N_AGENCIES + 1000, replace=False).astype(np.int64)
    villages = build_villages(rng, npps[:300])
    agencies = build_agencies(rng, participants, villages, npps[300 : 300 + d.N_AGENCIES])
    employers = build_employers(rng, participants, villages, npps[300 + d.N_AGENCIES :],
                                workers_per_employer)
    return World(villages, agencies, employers, base_year)


def _grown(values: np.ndarray, rate: float, years: int) -> np.ndarray:
    if values is None:
        raise ValueError("settle_population must run before the reference tables are written")
    return np.floor(values * (1.0 + rate) ** years + 0.5).astype(np.int64)


def tenaga_kerja_desa_table(world: World, year: int) -> pd.DataFrame:
    v, k = world.villages, year - world.base_year
    return pd.DataFrame(
        {
            "tahun": str(year),
            "kode_desa": v.codes,
            "penduduk": _grown(v.penduduk, 0.01, k).astype(str),
            "penduduk_usia_kerja": _grown(v.usia_kerja, 0.01, k).astype(str),
            "penduduk_bekerja": _grown(v.bekerja, 0.01, k).astype(str),
            "jumlah_perangkat_desa": v.perangkat.astype(str),
        },
        columns=list(d.TENAGA_KERJA_COLUMNS),
    )


def non_asn_table(world: World, year: int) -> pd.DataFrame:
    a, k = world.agencies, year - world.base_year
    return pd.DataFrame(
        {
            "tahun": str(year),
            "kode_opd": a.kode,
            "nama_opd": a.nama,
            "npp": [f"{n:08d}" for n in a.npp],
            "kode_desa": world.villages.codes[a.desa],
            "jumlah_non_asn": _grown(a.roster, 0.02, k).astype(str),
        },
        columns=list(d.NON_ASN_COLUMNS),
    )


def umk_table() -> pd.DataFrame:
    years = sorted(d.UMK)
    return pd.DataFrame(
        {"tahun": [str(y) for y in years], "umk": [str(d.UMK[y]) for y in years]},
        columns=list(d.UMK_COLUMNS),
    )


def employers_table(world: World) -> pd.DataFrame:
    """Side file for other generators (company registry): who employs whom, where."""
    e = world.employers
    names = [
        "+".join(p for i, p in enumerate(d.PROGRAMS) if m & (1 << i)) for m in e.mask
    ]
    return pd.DataFrame(
        {
            "npp": [f"{n:08d}" for n in e.npp],
            "jenis": np.where(e.contractor, "KONTRAKTOR_JAKON", "PEMBERI_KERJA_PU"),
            "kode_desa": world.villages.codes[e.desa],
            "kelas_risiko_jkk": (e.risk + 1).astype(str),
            "program": names,
        }
    )


def write_table(df: pd.DataFrame, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
