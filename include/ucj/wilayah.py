"""The project's own table of Kabupaten Subang's kecamatan and desa/kelurahan."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

WILAYAH_CSV = Path(__file__).resolve().parent / "reference" / "wilayah_3213.csv"


@lru_cache(maxsize=1)
def load() -> pd.DataFrame:
    return pd.read_csv(WILAYAH_CSV, dtype=str, keep_default_na=False)


def village_codes() -> set[str]:
    """Codes of the 253 desa and kelurahan (the places a participant or company can be)."""
    df = load()
    return set(df.loc[df["tingkat"].isin(["desa", "kelurahan"]), "kode_wilayah"])
