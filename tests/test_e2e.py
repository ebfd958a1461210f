"""End to end: generated deliveries -> the real DAGs run by Airflow -> DuckDB marts, checked
against figures this test computes on its own from the landing files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from ucj import warehouse
from ucj_sample import generate
from ucj_sample.truth import read_truth

MONTHS = ["2026-01", "2026-02"]
CODES = ["jenis_kelamin", "segmen", "kategori", "program", "status", "sumber_iuran"]
pytestmark = pytest.mark.e2e


def run(dag, conf: dict, second: int) -> None:
    stamp = datetime(2026, 3, 1, 0, 0, second, tzinfo=UTC)
    state = str(dag.test(run_conf=conf, logical_date=stamp).state)
    assert state.endswith("success"), (dag.dag_id, conf, state)


@pytest.fixture(scope="module")
def e2e(tmp_path_factory, dagbag, airflow_db):
    tmp = tmp_path_factory.mktemp("e2e")
    env = {"UCJ_LANDING_ZONE": str(tmp / "landing"), "UCJ_LAKE": str(tmp / "lake"),
           "UCJ_VALIDATION_DIR": str(tmp / "validation"),
           "UCJ_WAREHOUSE_URL": f"duckdb:///{tmp / 'warehouse.duckdb'}"}
    mp = pytest.MonkeyPatch()
    for key, value in env.items():
        mp.setenv(key, value)
    mp.setenv("UCJ_PART_ROWS", "1000")  # each month validated by mapped tasks over ~3 parts
    generate(tmp / "landing", MONTHS, 3000, seed=7)
    run(dagbag.dags["ucj_reference"], {}, 0)
    for i, periode in enumerate(MONTHS, start=1):
        run(dagbag.dags["ucj_enrollment"], {"periode": periode}, i)
    run(dagbag.dags["ucj_warehouse"], {"periodes": MONTHS}, 10)
    wh = warehouse.connect(env["UCJ_WAREHOUSE_URL"], read_only=True)
    yield tmp, wh
    wh.close()
    mp.undo()


def landing_rows(landing: Path, periode: str) -> pd.DataFrame:
    """The month's file read here independently, minus the rows the generator planted bad."""
    name = f"kepesertaan_{periode.replace('-', '')}.csv"
    df = pd.read_csv(landing / "enrollment" / name, sep=";", dtype=str, encoding="utf-8-sig",
                     keep_default_na=False)
    df = df.apply(lambda c: c.str.strip())
    df[CODES] = df[CODES].apply(lambda c: c.str.upper())
    df["line"] = range(2, len(df) + 2)
    truth = read_truth(landing)
    bad = set(truth.loc[truth["file"].str.endswith(name), "row_number"])
    return df[~df["line"].isin(bad)]


def placed(df: pd.DataFrame) -> pd.DataFrame:
    active = df[df["status"] == "AKTIF"].copy()
    active["since"] = pd.to_datetime(active["tgl_kepesertaan"], format="%d/%m/%Y")
    active = active.sort_values(["nik", "since", "kpj"], ascending=[True, False, True])
    return active.drop_duplicates("nik")


def wilayah() -> pd.DataFrame:
    from ucj.wilayah import WILAYAH_CSV

    return pd.read_csv(WILAYAH_CSV, dtype=str, keep_default_na=False)


def test_each_month_was_validated_in_mapped_parts(e2e):
    tmp, _ = e2e
    for periode in MONTHS:
        folder = tmp / "lake" / "enrollment" / f"periode={periode}"
        manifest = json.loads((folder / "_manifest.json").read_text())
        assert manifest["parts"] >= 3
        assert len(list(folder.glob("part-*.parquet"))) == manifest["parts"]


def test_quarantine_matches_the_planted_bad_rows(e2e):
    tmp, _ = e2e
    truth = read_truth(tmp / "landing")
    for periode in MONTHS:
        name = f"kepesertaan_{periode.replace('-', '')}.csv"
        q = pd.read_parquet(tmp / "lake" / "quarantine" / "enrollment" / f"periode={periode}")
        planted = truth[truth["file"].str.endswith(name)]
        assert sorted(q["row_number"]) == sorted(planted["row_number"])
        got = dict(zip(q["row_number"], q["rules"].str.split(";"), strict=True))
        for line, rule in zip(planted["row_number"], planted["rule"], strict=True):
            assert rule in got[line], (line, rule, got[line])


def test_coverage_marts_match_an_independent_computation(e2e):
    tmp, wh = e2e
    landing = tmp / "landing"
    area = wilayah().set_index("kode_wilayah")
    ref = pd.read_csv(landing / "reference" / "tenaga_kerja_desa_2026.csv", dtype={"tahun": int})
    for periode in MONTHS:
        people = placed(landing_rows(landing, periode))
        per_desa = people.groupby("kode_desa").size()
        per_kec = per_desa.groupby(area.loc[per_desa.index, "kode_kecamatan"].values).sum()
        bekerja_kec = ref.groupby(area.loc[ref["kode_desa"], "kode_kecamatan"].values)[
            "penduduk_bekerja"].sum()
        mart = wh.query("SELECT * FROM marts.mart_coverage WHERE periode = :p",
                        {"p": periode}).set_index("kode_wilayah")
        for kec, n in per_kec.items():
            assert mart.loc[kec, "peserta_aktif"] == n, (periode, kec)
            assert mart.loc[kec, "penduduk_bekerja"] == bekerja_kec[kec]
            assert mart.loc[kec, "coverage"] == pytest.approx(n / bekerja_kec[kec])
        desa = mart[mart["tingkat"].isin(["desa", "kelurahan"])]
        expected = per_desa.reindex(desa.index, fill_value=0)
        assert (desa["peserta_aktif"] == expected).all(), periode
        assert mart.loc["32.13", "peserta_aktif"] == len(people)
        assert mart.loc["32.13", "penduduk_bekerja"] == ref["penduduk_bekerja"].sum()


def test_village_official_and_non_asn_marts(e2e):
    tmp, wh = e2e
    landing = tmp / "landing"
    periode = MONTHS[-1]
    rows = landing_rows(landing, periode)
    officials = placed(rows[rows["kategori"] == "PERANGKAT_DESA"]).groupby("kode_desa").size()
    mart = wh.query("SELECT kode_wilayah, perangkat_aktif FROM marts.mart_village_official_coverage"
                    " WHERE periode = :p AND tingkat = 'desa'", {"p": periode})
    got = mart.set_index("kode_wilayah")["perangkat_aktif"]
    assert (got == officials.reindex(got.index, fill_value=0)).all()
    staff = rows[(rows["kategori"] == "NON_ASN") & (rows["status"] == "AKTIF")]
    per_npp = staff.groupby("npp")["nik"].nunique()
    mart = wh.query("SELECT npp, non_asn_aktif FROM marts.mart_non_asn_coverage "
                    "WHERE periode = :p", {"p": periode}).set_index("npp")["non_asn_aktif"]
    assert (mart == per_npp.reindex(mart.index, fill_value=0)).all()
    assert mart.sum() > 0


def test_audit_balances_for_every_source(e2e):
    _, wh = e2e
    audit = wh.query("SELECT * FROM audit.run_audit")
    assert set(audit["partition_value"]) >= set(MONTHS)
    assert (audit["rows_read"] == audit["rows_valid"] + audit["rows_quarantined"]).all()
    assert (audit["rows_loaded"] == audit["rows_valid"]).all()


def test_validation_reports_are_written(e2e):
    tmp, _ = e2e
    reports = list((tmp / "validation").rglob("validation.json"))
    assert len(reports) >= len(MONTHS) + 3
