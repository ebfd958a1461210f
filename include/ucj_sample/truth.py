"""Ground truth of a generated landing zone: planted bad rows and a summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

TRUTH_DIR = "_truth"
BAD_ROWS_FILE = "enrollment_bad_rows.csv"
SUMMARY_FILE = "summary.json"
TRUTH_COLUMNS = ["file", "row_number", "kpj", "rule"]


def write_truth(landing: Path, rows: list[tuple[str, int, str, str]]) -> Path:
    """One line per planted bad row: file (relative to landing), row_number, kpj, rule."""
    frame = pd.DataFrame(rows, columns=TRUTH_COLUMNS)
    frame = frame.sort_values(["file", "row_number"], kind="stable")
    path = Path(landing) / TRUTH_DIR / BAD_ROWS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return path


def write_summary(landing: Path, summary: dict) -> Path:
    path = Path(landing) / TRUTH_DIR / SUMMARY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_bytes(text.encode("utf-8"))
    return path


def read_truth(landing: Path | str) -> pd.DataFrame:
    """The planted bad rows: file, row_number (int), kpj (text, may be blank), rule."""
    path = Path(landing) / TRUTH_DIR / BAD_ROWS_FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["row_number"] = frame["row_number"].astype("int64")
    return frame


def read_summary(landing: Path | str) -> dict:
    return json.loads((Path(landing) / TRUTH_DIR / SUMMARY_FILE).read_text(encoding="utf-8"))
