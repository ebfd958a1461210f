"""One small generated landing zone shared by the generator tests (fast: 2000 participants)."""

from __future__ import annotations

import pytest
from ucj_sample import generate

from .generate_checks import MONTHS, XLSX_MONTH


@pytest.fixture(scope="session")
def landing(tmp_path_factory):
    path = tmp_path_factory.mktemp("generated") / "landing"
    generate(path, MONTHS, participants=2000, seed=42, bad_share=0.02, xlsx_month=XLSX_MONTH)
    return path


@pytest.fixture(scope="session")
def summary(landing):
    from ucj_sample.truth import read_summary

    return read_summary(landing)


@pytest.fixture(scope="session")
def truth(landing):
    from ucj_sample.truth import read_truth

    return read_truth(landing)


@pytest.fixture(scope="session")
def desa_codes():
    from ucj_sample.reference import load_wilayah

    w = load_wilayah()
    return set(w.loc[w["tingkat"].isin(["desa", "kelurahan"]), "kode_wilayah"])


@pytest.fixture(scope="session")
def enrollment_files(landing):
    return sorted((landing / "enrollment").iterdir())
