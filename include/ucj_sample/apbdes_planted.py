"""What the APBDes generator plants: premium mismatches (which desa, which alert rule) and bad
lines, each breaking exactly one contract rule, spread through the file.

The premium lines of a planted mismatch are drawn with the honest ones (apbdes_budget); here
are the choice of desa, the bad copies of honest lines and where they go.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MISMATCH_RULES = ("PREMI_PERANGKAT_TANPA_PESERTA", "PREMI_RENTAN_TANPA_PESERTA",
                  "PESERTA_PERANGKAT_TANPA_PREMI", "PESERTA_RENTAN_TANPA_PREMI")
BAD_KINDS = (
    "tahun_matches_file", "kode_desa_known", "kode_desa_is_desa", "jenis_enum",
    "kode_kegiatan_format", "kode_kegiatan_required_belanja", "kode_kegiatan_blank_otherwise",
    "kode_rekening_format", "kode_rekening_matches_jenis", "sumber_dana_enum",
    "anggaran_nonnegative", "realisasi_nonnegative", "tgl_update_date", "uraian_required",
)
KELURAHAN = ("32.13.03.1001", "Parung")
BAD_DESA = "32.13.99.2001"


def plan_mismatches(rng, codes: list[str], persons: Callable[[str, str], tuple[int, float]],
                    n: int) -> dict[str, str]:
    """Disjoint desa per planted rule, each where its condition can hold; ``persons(kode,
    group)`` gives a desa's funded participants (group perangkat or rentan) and their iuran."""
    pp = {k: persons(k, "perangkat")[0] for k in codes}
    pr = {k: persons(k, "rentan")[0] for k in codes}
    candidates = {
        "PREMI_PERANGKAT_TANPA_PESERTA": [k for k in codes if pp[k] == 0],
        "PREMI_RENTAN_TANPA_PESERTA": [k for k in codes if pr[k] == 0],
        "PESERTA_PERANGKAT_TANPA_PREMI": [k for k in codes if pp[k] > 0],
        "PESERTA_RENTAN_TANPA_PREMI": [k for k in codes if pr[k] > 0],
    }
    # An officials' premium far above what its funded officials cost, in a desa that has some.
    inflated = [k for k in codes if pp[k] > 0]
    taken: dict[str, str] = {}
    for rule in MISMATCH_RULES:
        pool = [k for k in candidates[rule] if k not in taken]
        want = n
        if rule == "PREMI_PERANGKAT_TANPA_PESERTA":
            extra = [k for k in inflated if k not in taken]
            if extra:
                taken[extra[int(rng.integers(0, len(extra)))]] = rule
                want -= 1
                pool = [k for k in pool if k not in taken]
        for k in rng.permutation(np.array(pool, dtype=object))[:max(want, 0)]:
            taken[str(k)] = rule
    return taken


# --- bad lines ----------------------------------------------------------------------------------
def break_line(kind: str, line: dict, year: int) -> dict:
    """A copy of an honest line that breaks exactly the rule ``kind``."""
    out = dict(line)
    if kind == "tahun_matches_file":
        out["tahun"] = str(year - 1)
    elif kind == "kode_desa_known":
        out["kode_desa"] = BAD_DESA
    elif kind == "kode_desa_is_desa":
        out["kode_desa"], out["nama_desa"] = KELURAHAN
    elif kind == "jenis_enum":
        out["jenis"] = "BELANJA MODAL"
    elif kind == "kode_kegiatan_format":
        out["kode_kegiatan"] = "2.3.10"
    elif kind == "kode_kegiatan_required_belanja":
        out["kode_kegiatan"] = ""
    elif kind == "kode_kegiatan_blank_otherwise":
        out["kode_kegiatan"] = "01.01.05."
    elif kind == "kode_rekening_format":
        out["kode_rekening"] = out["kode_rekening"] + ".001"
    elif kind == "kode_rekening_matches_jenis":
        out["kode_rekening"] = "4.1.1" if out["jenis"] == "BELANJA" else "5.2.1.01"
    elif kind == "sumber_dana_enum":
        out["sumber_dana"] = "APBN"
    elif kind == "anggaran_nonnegative":
        out["anggaran"] = "-" + out["anggaran"]
    elif kind == "realisasi_nonnegative":
        out["realisasi"] = "-5000"
    elif kind == "tgl_update_date":
        y, m, dd = out["tgl_update"].split("-")
        out["tgl_update"] = f"{dd}/{m}/{y}"
    elif kind == "uraian_required":
        out["uraian"] = ""
    else:
        raise ValueError(kind)
    return out


def draw_bad_lines(rng, budgets: list[list[dict]], year: int, n: int) -> list[tuple[dict, str]]:
    """n bad copies of honest lines (each desa's lines in ``budgets``), with the rule each
    breaks."""
    order = rng.permutation(len(BAD_KINDS))  # every kind once before any repeats
    kinds = [BAD_KINDS[order[k % len(BAD_KINDS)]] for k in range(max(n, 0))]
    out = []
    for kind in kinds:
        lines = budgets[int(rng.integers(0, len(budgets)))]
        jenis = "PENDAPATAN" if kind == "kode_kegiatan_blank_otherwise" else "BELANJA"
        pool = [x for x in lines if x["jenis"] == jenis and x["sumber_dana"] != "LAIN"
                and not x["kode_kegiatan"].startswith("01.01.03")]
        out.append((break_line(kind, pool[int(rng.integers(0, len(pool)))], year), kind))
    return out



def interleave(rng, honest: list[dict], bad: list[tuple[dict, str]]) -> tuple[list, np.ndarray]:
    """The file's lines, the bad ones at random places among the honest ones (both kept in
    order), and the sorted 0-based data-line positions of the bad ones."""
    positions = np.sort(rng.choice(len(honest) + len(bad), len(bad), replace=False))
    lines, k, j = [], 0, 0
    for pos in range(len(honest) + len(bad)):
        if j < len(bad) and positions[j] == pos:
            lines.append(bad[j][0])
            j += 1
        else:
            lines.append(honest[k])
            k += 1
    return lines, positions
