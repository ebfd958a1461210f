"""A generated delivery read and prepared in chunks, as the pipeline gives them to the
validation engine: for tests that validate chunks themselves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from ucj.contracts import enrollment
from ucj.io.readers import READ_ISSUE, read_chunks


def chunks(path: Path, contract, prepare, chunk_rows: int, upper=()):
    for chunk in read_chunks(path, contract.COLUMNS, contract.DELIMITER, upper=upper,
                             chunk_rows=chunk_rows):
        yield prepare(chunk.drop(columns=[READ_ISSUE], errors="ignore"))


def enrollment_chunks(landing: Path, chunk_rows: int, month: str = "202601"):
    """The month's chunks with its repeated kpjs counted over the whole file, as the
    pipeline's first pass counts them."""
    path = landing / "enrollment" / f"kepesertaan_{month}.csv"
    whole = pd.concat(read_chunks(path, enrollment.COLUMNS, enrollment.DELIMITER))
    repeats = whole["kpj"].map(whole["kpj"].value_counts())
    counts = repeats[repeats > 1]
    return chunks(path, enrollment, lambda df: enrollment.prepare(df, kpj_counts=counts),
                  chunk_rows, enrollment.UPPER_CASE)
