"""Reference tables for tests: a `tenaga_kerja_desa` year must hold every desa and kelurahan
of the region table (a year lacking one is refused as a whole), so tests give the figures of
the desa they look at and every other desa gets zeros, which leave every sum unchanged, and
no roster of village officials (a blank `jumlah_perangkat_desa`, which the contract allows)."""

from __future__ import annotations

from pathlib import Path

TK_HEADER = "tahun,kode_desa,penduduk,penduduk_usia_kerja,penduduk_bekerja,jumlah_perangkat_desa"


def tenaga_kerja_lines(year: int | str, figures: dict[str, tuple],
                       leave_out: frozenset[str] = frozenset()) -> list[str]:
    """Header and one line per desa/kelurahan of Subang: ``figures[code]`` = (penduduk,
    penduduk_usia_kerja, penduduk_bekerja, jumlah_perangkat_desa), for the others zeros and
    no roster;
    ``leave_out``: codes with no line (an incomplete year)."""
    from ucj import wilayah

    lines = [TK_HEADER]
    for code in sorted(set(wilayah.village_codes()) - set(leave_out)):
        values = figures.get(code, (0, 0, 0, ""))
        lines.append(f"{year},{code}," + ",".join(str(v) for v in values))
    return lines


def write_tenaga_kerja(path: Path, year: int | str,
                       figures: dict[str, tuple], **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(tenaga_kerja_lines(year, figures, **kw)) + "\n")
    return path
