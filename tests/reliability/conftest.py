"""A small warehouse built once per session (reference tables, two months, a registry
extract) that each test copies before changing it."""

from __future__ import annotations

import shutil

import pytest

from reliability.helpers import (
    Env,
    company,
    enrollment_file,
    load,
    month_rows,
    process_month,
    process_reference,
    write_jsonl,
    write_reference,
)

SEED_MONTHS = ["2026-01", "2026-02"]


@pytest.fixture(scope="session")
def seed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed")
    env = Env.under(folder)
    write_reference(env)
    process_reference(env)
    for periode in SEED_MONTHS:
        enrollment_file(env, periode, month_rows(periode, 30))
        process_month(env, periode)
    from ucj.pipeline import registry

    extract = write_jsonl(folder / "extracts" / "perusahaan_seed.jsonl",
                          [company(i, npp="00012345" if i == 0 else None) for i in range(4)])
    registry.process(extract, "seed", env.lake, env.validation)
    load(env, SEED_MONTHS, run_id="seed")
    return folder


@pytest.fixture
def world(seed, tmp_path) -> Env:
    """A private copy of the seed: landing, lake, validation and the DuckDB warehouse."""
    shutil.copytree(seed, tmp_path / "world")
    return Env.under(tmp_path / "world")
