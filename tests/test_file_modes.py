"""What a batch writes is the pipeline user's alone: the lake (quarantine with NIK and nama, valid
partitions with kpj, birth date and person key), its staging parts, the GX results and Data
Docs (sample values), the pseudonym key file. Files 0600, folders 0700, after real runs."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from enrollment_rows import row, write_csv
from test_indicators import write_reference
from ucj.pipeline import enrollment, reference

ROOT = Path(__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(top: Path) -> dict[Path, int]:
    return {p: _mode(p) for p in [top, *top.rglob("*")]}


def _owner_only(top: Path) -> list[str]:
    wrong = [f"{oct(mode)} {p}" for p, mode in _modes(top).items()
             if mode != (0o700 if p.is_dir() else 0o600)]
    return wrong


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A month validated in three parts (the DAG's way) and the reference tables (one writer),
    under the usual umask (022: new files would be 0644)."""
    tmp = tmp_path_factory.mktemp("modes")
    old = os.umask(0o022)
    try:
        rows = [row(kpj=f"{i:011d}", nik=f"32130115059{i % 10}{i + 1:04d}",
                    tgl_lahir=f"15/05/199{i % 10}") for i in range(30)]
        rows[3]["nik"] = "9999999999999999"  # quarantined: its NIK and nama in the quarantine
        raw = write_csv(tmp / "kepesertaan_202601.csv", rows)
        result = enrollment.process(raw, tmp / "lake", tmp / "val", "secret", chunk_rows=10,
                                    part_rows=10)
        write_reference(tmp / "reference")
        for f in sorted((tmp / "reference").glob("*.csv")):
            reference.process(f, tmp / "lake", tmp / "val")
    finally:
        os.umask(old)
    return tmp, result


def test_quarantine_and_valid_partitions_are_owner_only(runs):
    tmp, result = runs
    assert result["parts"] == 3 and result["rows_quarantined"] == 1
    quarantine = Path(result["quarantine"])
    assert len(list(quarantine.glob("*.parquet"))) == 3
    assert quarantine.is_relative_to(tmp / "lake" / "quarantine")
    datasets = {p.name for p in (tmp / "lake").iterdir()}
    assert {"enrollment", "quarantine", "reference"} <= datasets
    # the whole lake the writers made: partitions, manifests, dataset folders, staging
    assert _owner_only(tmp / "lake") == []


def test_validation_results_and_data_docs_are_owner_only(runs):
    tmp, result = runs
    gx = tmp / "val" / "gx"
    assert _mode(gx) == 0o700
    stored = list((gx / "uncommitted" / "validations").rglob("*.json"))
    pages = [Path(result["data_docs"]), Path(result["data_docs_index"])]
    assert stored and all(_mode(p) == 0o600 for p in [*stored, *pages])


def test_the_local_pseudonym_key_is_created_owner_only(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "UCJ_PSEUDONYM_KEY"}
    env["UCJ_HOME"] = str(home)
    subprocess.run(["bash", str(ROOT / "scripts" / "env.sh"), "true"], env=env, check=True,
                   timeout=60)
    key = home / "pseudonym.key"
    assert key.stat().st_size == 64 and _mode(key) == 0o600
