"""Persons and their memberships (one membership = one kpj) over the generated months.

The whole history is drawn once, as column arrays: each membership has a registration day and,
if it ended, a deactivation day. A month's snapshot is then a filter on those days, so kpj,
persons and employers stay stable from month to month.
"""

from __future__ import annotations

import numpy as np

from . import dates
from . import domain as d
from .reference import World

FIRST_L = (
    "ASEP", "DEDE", "UJANG", "CECEP", "AGUS", "DADANG", "YAYAN", "IWAN", "DEDEN", "ENDANG",
    "ADE", "AEP", "CAHYA", "DODI", "EKO", "BUDI", "RUDI", "HENDRA", "WAWAN", "YUSUF", "RIZKI",
    "FAJAR", "ILHAM", "RAHMAT", "SAEPUL", "JAJANG", "NANA", "TATANG", "ENTIS", "OMAN", "DENI",
    "ANDI", "MUHAMAD", "ROHMAT", "YOGI",
)
FIRST_P = (
    "SITI", "NENG", "EUIS", "IMAS", "LILIS", "YANTI", "NINING", "RINA", "DEWI", "AI", "IIS",
    "ETI", "ENUNG", "CUCU", "NURHAYATI", "SRI", "TUTI", "WULAN", "RINI", "RATNA", "PUTRI",
    "AYU", "NIA", "DESI", "FITRI", "ROSITA", "YULI", "ELIS", "TITIN", "ANI",
)
LAST_L = (
    "SAEPUDIN", "HIDAYAT", "SURYANA", "SUPRIATNA", "KURNIAWAN", "PERMANA", "GUNAWAN",
    "SETIAWAN", "HERMAWAN", "RUHIYAT", "SOBARI", "NUGRAHA", "FIRMANSYAH", "RAMDANI", "MAULANA",
    "ROHMAN", "SUHERMAN", "SOLIHIN", "MULYANA", "SAPUTRA",
)
LAST_P = (
    "ROHAYATI", "NURLELA", "KARTIKA", "LESTARI", "HANDAYANI", "SULASTRI", "RAHMAWATI",
    "MARYANI", "KOMALASARI", "WULANDARI", "SUSANTI", "AISYAH", "FITRIANI", "NURJANAH",
    "SUMARNI", "KURNIASIH", "SRIMULYANI", "PURNAMASARI",
)
OTHER_WEST_JAVA = (
    3201, 3202, 3203, 3204, 3205, 3206, 3207, 3208, 3209, 3210, 3211, 3212, 3214, 3215, 3216,
    3217, 3218, 3271, 3273, 3275, 3276, 3277,
)
OTHER_PROVINCES = (
    3171, 3172, 3173, 3174, 3175, 3301, 3302, 3310, 3374, 3501, 3578, 3601, 3603, 3671, 1271,
    1871, 6471, 7371,
)

END_NONE = 2**40  # "never deactivated"
PRIMARY, SECOND_EMPLOYER, PU_AND_BPU, RE_REGISTERED = range(4)
ROLE_NAMES = ("primary", "two_employers", "pu_and_bpu", "re_registered")


class Persons:
    """Identity columns of persons, already in contract text form."""

    def __init__(self, nik: np.ndarray, nama: np.ndarray, dob: np.ndarray, female: np.ndarray):
        self.nik = nik
        self.nama = nama
        self.dob = dob
        self.female = female
        self.nik_text = np.char.zfill(nik.astype(str), 16).astype(object)
        self.dob_text = dates.format_days(dob)
        self.sex_text = np.where(female, d.JENIS_KELAMIN[1], d.JENIS_KELAMIN[0]).astype(object)

    def __len__(self) -> int:
        return len(self.nik)


def nik_prefixes(rng: np.random.Generator, n: int, world: World) -> np.ndarray:
    """PPKKCC region of issue: mostly Subang, some elsewhere in West Java or further."""
    v = world.villages
    kec_w = np.bincount(v.kec, weights=v.size, minlength=len(v.kec_names))
    kec_nums = np.array([v.kec_number[v.kec == k][0] for k in range(len(v.kec_names))])
    subang = 321300 + rng.choice(kec_nums, n, p=kec_w / kec_w.sum())
    west = np.array(OTHER_WEST_JAVA)[rng.integers(0, len(OTHER_WEST_JAVA), n)] * 100
    west += rng.integers(1, 31, n)
    other = np.array(OTHER_PROVINCES)[rng.integers(0, len(OTHER_PROVINCES), n)] * 100
    other += rng.integers(1, 21, n)
    kind = rng.choice(3, n, p=[0.85, 0.10, 0.05])
    return np.select([kind == 0, kind == 1], [subang, west], other)


def serials(keys: np.ndarray, rng: np.random.Generator, base: int) -> np.ndarray:
    """Serial 0001+ within each NIK stem (region + date digits), in random issue order."""
    order = np.lexsort((rng.random(len(keys)), keys))
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    out = np.empty(len(keys), dtype=np.int64)
    out[order] = np.arange(len(keys)) - run_start + 1 + base
    return out


def nik_numbers(prefix: np.ndarray, dob: np.ndarray, female: np.ndarray, serial: np.ndarray):
    year, month, day = dates.ymd(dob)
    ddmmyy = (day + 40 * female) * 10000 + month * 100 + year % 100
    return prefix * 10**10 + ddmmyy * 10**4 + serial


def make_persons(
    rng: np.random.Generator,
    n: int,
    ref_day: int,
    world: World,
    serial_base: int = 0,
    serial_limit: int = 4999,
) -> Persons:
    """Adults (18-60) with a NIK agreeing with birth date and sex; serials above serial_base."""
    female = rng.random(n) < 0.42
    age_years = np.minimum(18.3 + rng.gamma(3.0, 5.0, n), 60.0)
    dob = ref_day - np.floor(age_years * 365.25).astype(np.int64)
    prefix = nik_prefixes(rng, n, world)
    year, month, day = dates.ymd(dob)
    stem = prefix * 10**6 + ((day + 40 * female) * 10000 + month * 100 + year % 100)
    serial = serials(stem, rng, serial_base)
    if serial.max(initial=0) > serial_limit:
        raise ValueError("NIK serial overflow: too many persons per region and birth date")
    nama = _names(rng, female)
    return Persons(nik_numbers(prefix, dob, female, serial), nama, dob, female)


def _names(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    n = len(female)
    first = np.where(
        female,
        np.array(FIRST_P, dtype=object)[rng.integers(0, len(FIRST_P), n)],
        np.array(FIRST_L, dtype=object)[rng.integers(0, len(FIRST_L), n)],
    )
    last = np.where(
        female,
        np.array(LAST_P, dtype=object)[rng.integers(0, len(LAST_P), n)],
        np.array(LAST_L, dtype=object)[rng.integers(0, len(LAST_L), n)],
    )
    single = rng.random(n) < 0.12  # many Sundanese have one name
    return np.where(single, first, first + " " + last)


# --- memberships ----------------------------------------------------------------------------
FIELDS = (
    "person", "seg", "kat", "sumber", "npp", "desa", "risk", "mask", "factor", "at_umk",
    "fixed_wage", "reg", "end", "role", "emp",
)


def _rows(n: int, **cols) -> dict[str, np.ndarray]:
    """A block of n memberships; unspecified columns take neutral defaults."""
    defaults = {
        "person": -1, "npp": -1, "risk": 0, "factor": 0.0, "at_umk": False, "fixed_wage": 0,
        "reg": 0, "end": END_NONE, "role": PRIMARY, "emp": -1,
    }
    out = {}
    for f in FIELDS:
        value = cols.get(f, defaults.get(f))
        out[f] = np.broadcast_to(np.asarray(value), (n,)).copy()
    return out


def concat(blocks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {f: np.concatenate([b[f] for b in blocks]) for f in FIELDS}


def take(block: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {f: block[f][idx] for f in FIELDS}


def _place(rng: np.random.Generator, n: int, world: World, desa_only=None) -> np.ndarray:
    """Domicile villages, weighted by residents and the kecamatan's coverage level."""
    v = world.villages
    anywhere = rng.choice(len(v.codes), n, p=v.weight / v.weight.sum())
    if desa_only is None:
        return anywhere
    wd = v.weight * v.is_desa
    return np.where(desa_only, rng.choice(len(v.codes), n, p=wd / wd.sum()), anywhere)


def swasta(rng, n: int, world: World, avoid_emp=None) -> dict[str, np.ndarray]:
    e = world.employers
    pu_emp = np.flatnonzero(~e.contractor)
    w = e.weight[pu_emp]
    emp = pu_emp[rng.choice(len(pu_emp), n, p=w / w.sum())]
    if avoid_emp is not None:  # a second job is at another employer
        pos = np.searchsorted(pu_emp, emp)
        emp = np.where(emp == avoid_emp, pu_emp[(pos + 1) % len(pu_emp)], emp)
    at_umk = rng.random(n) < e.at_umk[emp]
    factor = np.where(at_umk, 1.0, 1.0 + rng.lognormal(np.log(0.25), 0.8, n))
    return _rows(
        n, seg=d.PU, kat=d.SWASTA, sumber=d.PEMBERI_KERJA, npp=e.npp[emp], desa=e.desa[emp],
        risk=e.risk[emp], mask=e.mask[emp], factor=factor, at_umk=at_umk, emp=emp,
    )


def bpu_mandiri(rng, n: int, world: World) -> dict[str, np.ndarray]:
    income = 1_000_000 + 100_000 * np.minimum(np.floor(rng.gamma(1.2, 8.0, n)), 40)
    jht = rng.random(n) < 0.25
    return _rows(
        n, seg=d.BPU, kat=d.LAINNYA, sumber=d.MANDIRI, desa=_place(rng, n, world),
        mask=np.where(jht, d.JKK | d.JKM | d.JHT, d.JKK | d.JKM), fixed_wage=income,
    )


def rentan(rng, n: int, world: World) -> dict[str, np.ndarray]:
    sumber = rng.choice(
        [d.APBD_PROVINSI, d.APBD_KABUPATEN, d.DANA_DESA, d.CSR], n, p=[0.45, 0.25, 0.25, 0.05]
    )
    return _rows(
        n, seg=d.BPU, kat=d.PEKERJA_RENTAN, sumber=sumber,
        desa=_place(rng, n, world, desa_only=sumber == d.DANA_DESA),  # kelurahan have no DD
        mask=d.JKK | d.JKM, fixed_wage=d.RENTAN_INCOME,
    )


def jakon(rng, n: int, world: World) -> dict[str, np.ndarray]:
    e = world.employers
    con = np.flatnonzero(e.contractor)
    emp = con[rng.integers(0, len(con), n)]
    has_npp = rng.random(n) < 0.75
    return _rows(
        n, seg=d.JAKON, kat=d.LAINNYA, sumber=np.where(has_npp, d.PEMBERI_KERJA, d.MANDIRI),
        npp=np.where(has_npp, e.npp[emp], -1), desa=_place(rng, n, world), risk=3,
        mask=d.JKK | d.JKM, fixed_wage=50_000 * rng.integers(40, 91, n),
    )


def pmi(rng, n: int, world: World) -> dict[str, np.ndarray]:
    jht = rng.random(n) < 0.30
    return _rows(
        n, seg=d.PMI, kat=d.LAINNYA, sumber=d.MANDIRI, desa=_place(rng, n, world),
        mask=np.where(jht, d.JKK | d.JKM | d.JHT, d.JKK | d.JKM),
        fixed_wage=500_000 * rng.integers(6, 19, n),
    )


def non_asn(rng, world: World, start: int, scale: float) -> dict[str, np.ndarray]:
    a = world.agencies
    counts = rng.binomial(a.roster, rng.uniform(0.45, 1.0, len(a.roster)) * scale)
    agency = np.repeat(np.arange(len(counts)), counts)
    n = len(agency)
    since = rng.integers(dates.day_of_ymd(2019, 1, 1), start - 30, len(counts))
    reg = np.minimum(since[agency] + rng.integers(0, 400, n), start - 1)
    jht = rng.random(len(counts)) < 0.3
    return _rows(
        n, seg=d.PU, kat=d.NON_ASN, sumber=d.APBD_KABUPATEN, npp=a.npp[agency],
        desa=a.desa[agency], mask=np.where(jht[agency], d.JKK | d.JKM | d.JHT, d.JKK | d.JKM),
        fixed_wage=50_000 * rng.integers(24, 71, n), reg=reg,
    )


def perangkat(rng, world: World, start: int, scale: float) -> dict[str, np.ndarray]:
    """Village officials: coverage 0-100 % by desa, a quarter of desa none at all."""
    v = world.villages
    share = np.where(rng.random(len(v.codes)) < 0.25, 0.0, rng.uniform(0.1, 1.0, len(v.codes)))
    counts = rng.binomial(v.perangkat, share * scale)
    desa = np.repeat(np.arange(len(counts)), counts)
    rank = np.arange(len(desa)) - np.repeat(np.cumsum(counts) - counts, counts)
    since = rng.integers(dates.day_of_ymd(2022, 6, 1), start - 20, len(counts))
    dana_desa = rng.random(len(counts)) < 0.7
    jht = rng.random(len(counts)) < 0.4
    return _rows(
        len(desa), seg=d.PU, kat=d.PERANGKAT_DESA, npp=v.npp[desa], desa=desa,
        sumber=np.where(dana_desa[desa], d.DANA_DESA, d.APBD_KABUPATEN),
        mask=np.where(jht[desa], d.JKK | d.JKM | d.JHT, d.JKK | d.JKM),
        fixed_wage=np.array(d.PERANGKAT_PAY)[np.minimum(rank, 2)],
        reg=np.minimum(since[desa] + rng.integers(0, 20, len(desa)), start - 1),
    )


def mixed(rng, n: int, world: World) -> dict[str, np.ndarray]:
    """Non-government memberships in the contract's rough segment shares."""
    s = d.SEGMENT_SHARES
    bpu = s[d.BPU]
    p = [s[d.PU], bpu * (1 - d.RENTAN_SHARE_OF_BPU), bpu * d.RENTAN_SHARE_OF_BPU, s[d.JAKON],
         s[d.PMI]]
    counts = rng.multinomial(n, np.array(p) / sum(p))
    builders = (swasta, bpu_mandiri, rentan, jakon, pmi)
    block = concat([b(rng, c, world) for b, c in zip(builders, counts, strict=True)])
    return take(block, rng.permutation(n))
