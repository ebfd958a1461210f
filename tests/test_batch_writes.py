"""A batch's rows are written while its next chunk is validated (``ucj.pipeline.batch``):
the files hold every chunk's rows in chunk order, and a write that fails stops the batch."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ucj.contracts import enrollment as contract
from ucj.io import lake as lk
from ucj.pipeline import enrollment
from ucj.pipeline.batch import validate_chunks
from ucj_sample import generate


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    generate(landing, ["2026-01"], 3000, seed=8, bad_share=0.05)
    return landing / "enrollment" / "kepesertaan_202601.csv"


def test_chunks_are_written_in_their_order(month, tmp_path):
    result = enrollment.process(month, tmp_path / "lake", tmp_path / "val", "s", chunk_rows=250)
    valid = pq.read_table(result["partition"]).column("source_row_number").to_pylist()
    bad = pq.read_table(result["quarantine"]).column("row_number").to_pylist()
    assert result["rows_quarantined"] > 0
    assert len(valid) == result["rows_valid"] and len(bad) == result["rows_quarantined"]
    # one part, its chunks written one after the other: row numbers in file order
    assert valid == sorted(valid) and bad == sorted(bad)
    assert len(set(valid) | set(bad)) == result["rows_read"]


def test_a_failed_write_stops_the_batch(month, tmp_path):
    part = enrollment.plan(month, tmp_path / "lake")[0]
    enrollment.first_pass_if_one_part([part])

    def prepare(df: pd.DataFrame) -> pd.DataFrame:
        return contract.prepare(df, kpj_counts=enrollment._duplicates_in(part, df.index))

    # a valid-rows file whose schema the typed rows cannot be cast to: its first write fails
    wrong = pa.schema([("no_such_column", pa.int64())])
    with lk.PartWriter(tmp_path / "valid.parquet", wrong) as good, \
            lk.PartWriter(tmp_path / "bad.parquet",
                          enrollment.quarantine.schema(contract.COLUMNS)) as bad, \
            pytest.raises((ValueError, KeyError, pa.ArrowException)):
        validate_chunks(enrollment._batch(part, "s", prepare),
                        enrollment._part_chunks(part, 500), enrollment._validator("2026-01"),
                        good, bad)
