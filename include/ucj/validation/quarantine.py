"""Quarantine rows: the raw values of a rejected row, where it was and which rules it broke."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from ucj.io.readers.frames import ROW_NUMBER


def schema(columns: list[str]) -> pa.Schema:
    return pa.schema(
        [("source_file", pa.string()), (ROW_NUMBER, pa.int64()), ("rules", pa.string())]
        + [(c, pa.string()) for c in columns])


def rows(chunk: pd.DataFrame, reasons: pd.Series, columns: list[str], source_file: str):
    bad = chunk.loc[reasons.index, [ROW_NUMBER, *columns]].copy()
    bad.insert(0, "rules", reasons)
    bad.insert(0, "source_file", source_file)
    return pa.Table.from_pandas(bad, schema=schema(columns), preserve_index=False)
