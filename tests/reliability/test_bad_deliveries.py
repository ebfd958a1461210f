"""Deliveries wrong as a whole are refused, never loaded: the batch-level expectations.

Each case starts from the session's small warehouse (reference tables, January and February,
a registry extract), sends one delivery damaged the way real exports get damaged, and checks
the outcome: refused with a message naming the file and the expectation, the lake (its
partitions, quarantine and the raw copy behind them) and the warehouse exactly as they were,
no alert raised; or, for a delivery that is fine as a whole, loaded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from reference_rows import write_tenaga_kerja
from ucj.pipeline import apbdes, enrollment, reference, registry
from ucj.refusal import Refused, UnknownDelivery
from ucj.validation.batch_rules import BatchRefused, Policy, limits

from reliability.helpers import (
    DESA,
    checksums,
    company,
    enrollment_file,
    lake_state,
    load,
    month_rows,
    process_month,
    write_jsonl,
)


def alerts(url: str) -> int:
    from ucj import warehouse

    wh = warehouse.connect(url, read_only=True)
    try:
        return int(wh.query("SELECT COUNT(*) AS n FROM marts.alerts")["n"][0])
    finally:
        wh.close()


def refused(world, deliver) -> BatchRefused:
    """Run ``deliver`` (which must be refused); check nothing moved; return the refusal."""
    lake, marts, raised = lake_state(world.lake), checksums(world.warehouse_url), alerts(
        world.warehouse_url)
    with pytest.raises(BatchRefused) as caught:
        deliver()
    after = lake_state(world.lake)
    # new: only the refused file's own raw copy (kept to be looked at), never a partition
    assert {k: v for k, v in after.items() if k in lake} == lake
    assert all(k.startswith("raw/") for k in set(after) - set(lake)), set(after) - set(lake)
    load(world, ["2026-01", "2026-02"], run_id="after-refusal")
    assert checksums(world.warehouse_url) == marts
    assert alerts(world.warehouse_url) == raised
    return caught.value


def validation_report(world, source: str, partition: str) -> dict:
    return json.loads((world.validation / source / partition / "validation.json").read_text())


def test_a_month_whose_every_row_fails_is_refused_and_january_stays(world, monkeypatch):
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    # January re-exported with every upah written with thousands separators
    rows = [{**r, "upah": "3.737.482"} for r in month_rows("2026-01", 30)]
    enrollment_file(world, "2026-01", rows)
    error = refused(world, lambda: process_month(world, "2026-01"))
    assert "kepesertaan_202601.csv" in str(error) and "batch_quarantine_share" in str(error)
    assert "100.0% of 30 rows quarantined" in str(error) and "force=true" in str(error)
    assert isinstance(error, Refused)  # deterministic: the DAG task fails without retries
    report = validation_report(world, "enrollment", "periode=2026-01")
    assert report["batch_rules"]["success"] is False
    assert {r["rule"]: r["success"] for r in report["batch_rules"]["rules"]}[
        "batch_quarantine_share"] is False
    # on the batch's Data Docs page, beside the row rules
    page = Path(report["data_docs"]).read_text()
    assert "quarantine_share" in page and "other_period_share" in page
    # the raw copy the published January came from is still there, beside the refused one
    manifest = json.loads((world.lake / "enrollment" / "periode=2026-01" / "_manifest.json")
                          .read_text())
    copies = sorted((world.lake / "raw" / "enrollment" / "periode=2026-01").glob("*/*.csv"))
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in copies}
    assert manifest["sha256"] in digests and len(digests) == 2


def test_another_months_file_under_this_name_is_refused(world, monkeypatch):
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    enrollment_file(world, "2026-01", month_rows("2026-02", 30))  # February named January
    error = refused(world, lambda: process_month(world, "2026-01"))
    assert "batch_period_matches_file" in str(error)
    assert "100.0% of the rows are of another period" in str(error)


def test_a_month_that_collapses_against_the_one_before_is_refused(world, monkeypatch):
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    enrollment_file(world, "2026-03", month_rows("2026-03", 12))  # February had 30
    error = refused(world, lambda: process_month(world, "2026-03"))
    assert "kepesertaan_202603.csv" in str(error) and "batch_rows_hold" in str(error)
    assert "40.0% of the previous valid rows" in str(error)
    assert not (world.lake / "enrollment" / "periode=2026-03").exists()


def test_a_re_delivery_that_collapses_against_the_month_it_replaces_is_refused(world,
                                                                              monkeypatch):
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    enrollment_file(world, "2026-02", month_rows("2026-02", 14))
    error = refused(world, lambda: process_month(world, "2026-02"))
    assert "batch_rows_hold" in str(error)


def test_a_month_that_holds_is_loaded_with_its_few_bad_rows_quarantined(world, monkeypatch):
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    rows = month_rows("2026-03", 30)
    rows[3]["upah"] = "3.737.482"  # one row in thirty: a data-entry error, quarantined
    enrollment_file(world, "2026-03", rows)
    result = process_month(world, "2026-03")
    assert (result["rows_valid"], result["rows_quarantined"]) == (29, 1)
    assert result["batch_rules"]["success"] is True
    assert result["batch_rules"]["facts"]["valid_rows_vs_previous"] == pytest.approx(29 / 30)


def test_an_engineer_can_force_a_refused_month_and_is_told(world, monkeypatch, webhook):
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                       json.dumps({"conn_type": "http", "host": webhook.url}))
    enrollment_file(world, "2026-03", month_rows("2026-03", 12))
    from ucj.io import landing

    source = landing.find_delivery(str(world.landing), "enrollment",
                                   enrollment.landing_names("2026-03"))
    raw = landing.copy_to_raw(str(world.landing), source,
                              world.lake / "raw" / "enrollment" / "periode=2026-03")
    result = enrollment.process(raw["path"], world.lake, world.validation, "reliability",
                                policy=Policy(force=True))
    assert result["rows_valid"] == 12
    assert result["batch_rules"]["forced"] is True and result["batch_rules"]["success"] is False
    [hit] = webhook.requests
    assert hit["body"]["kind"] == "forced_load"
    assert "kepesertaan_202603.csv" in hit["body"]["text"]
    assert "batch_rows_hold" in hit["body"]["text"]


def test_limits_are_parameters(world, monkeypatch):
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    monkeypatch.setenv("UCJ_BATCH_LIMITS", json.dumps({"min_rows_vs_previous": 0.3}))
    assert limits()["min_rows_vs_previous"] == 0.3
    enrollment_file(world, "2026-03", month_rows("2026-03", 12))  # 40%: above 30%
    assert process_month(world, "2026-03")["rows_valid"] == 12
    with pytest.raises(KeyError):
        limits({"max_share_of_anything": 1})


def reference_file(world, year: int, **kw) -> Path:
    figures = {k: (300 + i, 200 + i, 100 + i, 10 + i) for i, k in enumerate(DESA)}
    return write_tenaga_kerja(world.landing / "reference" / f"tenaga_kerja_desa_{year}.csv",
                              year, figures, **kw)


def test_a_reference_year_with_a_quarantined_desa_is_refused_naming_it(world):
    path = reference_file(world, 2026)
    # Sagalaherang's Sukamandi re-delivered with a malformed code: its row is quarantined,
    # so the year would lack the desa's denominator
    path.write_text(path.read_text().replace("2026,32.13.01.2003,", "2026,32.13.01.2O03,"))
    error = refused(world, lambda: reference.process(path, world.lake, world.validation))
    assert "tenaga_kerja_desa_2026.csv" in str(error) and "batch_complete" in str(error)
    assert "1 missing: 32.13.01.2003" in str(error)


def test_a_reference_year_never_delivered_whole_is_refused(world):
    path = reference_file(world, 2027, leave_out=frozenset({"32.13.03.1001", DESA[2]}))
    error = refused(world, lambda: reference.process(path, world.lake, world.validation))
    assert "2 missing: 32.13.02.2001, 32.13.03.1001" in str(error)
    assert not (world.lake / "reference" / "tenaga_kerja_desa" / "tahun=2027").exists()


def test_a_complete_reference_year_is_loaded(world):
    result = reference.process(reference_file(world, 2027), world.lake, world.validation)
    assert result["batch_rules"]["facts"]["codes_missing"] == 0
    assert (world.lake / "reference" / "tenaga_kerja_desa" / "tahun=2027").exists()


def apbdes_lines(year: int, amount: str) -> list[dict]:
    base = {"tahun": str(year), "nama_desa": "Desa", "jenis": "PENDAPATAN", "kode_kegiatan": "",
            "kode_rekening": "4.2.1", "uraian": "Dana Desa", "sumber_dana": "DDS",
            "anggaran": amount, "realisasi": "0", "tgl_update": f"{year}-03-31"}
    return [{**base, "kode_desa": k} for k in ("32.13.01.2003", "32.13.01.2004",
                                               "32.13.02.2001", "32.13.02.2002")]


def write_apbdes(world, year: int, lines: list[dict]) -> Path:
    from ucj.contracts.apbdes import COLUMNS

    path = world.lake.parent / "incoming" / f"apbdes_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([";".join(COLUMNS)] + [";".join(r[c] for c in COLUMNS)
                                                     for r in lines]) + "\n")
    return path


def test_an_apbdes_year_re_delivered_broken_is_refused_and_the_year_stays(world):
    good = apbdes.process(write_apbdes(world, 2026, apbdes_lines(2026, "1250000000")),
                          world.lake, world.validation)
    assert good["rows_valid"] == 4
    load(world, ["2026-01", "2026-02"], run_id="apbdes")  # the good year in the marts
    # every amount with a decimal comma: the export went wrong for every line
    broken = write_apbdes(world, 2026, apbdes_lines(2026, "1250000000,00"))
    error = refused(world, lambda: apbdes.process(broken, world.lake, world.validation))
    assert "apbdes_2026.csv" in str(error) and "batch_quarantine_share" in str(error)


def test_a_registry_extract_whose_records_all_fail_is_refused(world):
    bad = [company(10 + i, nib="not-a-nib") for i in range(3)]
    path = write_jsonl(world.lake.parent / "extracts" / "perusahaan_bad.jsonl", bad)
    error = refused(world, lambda: registry.process(path, "bad", world.lake, world.validation))
    assert "perusahaan_bad.jsonl" in str(error)


def test_one_bad_record_alone_never_refuses_a_small_extract(world):
    records = [company(10), company(11, nib="not-a-nib"), company(12)]
    path = write_jsonl(world.lake.parent / "extracts" / "perusahaan_one.jsonl", records)
    result = registry.process(path, "one", world.lake, world.validation)
    assert (result["rows_valid"], result["rows_quarantined"]) == (2, 1)


@pytest.mark.parametrize("name", ["kepesertaan_202513.csv", "kepesertaan_202600.xlsx",
                                  "kepesertaan_2026.csv", "peserta_202601.csv"])
def test_a_file_name_that_is_no_delivery_is_refused_naming_it(name):
    from ucj.contracts.enrollment import periode_of_file

    with pytest.raises(UnknownDelivery, match=name.replace(".", r"\.")):
        periode_of_file(name)


def test_a_bad_name_beside_good_months_leaves_the_good_months_to_run(tmp_path, capsys):
    from ucj import demo

    folder = tmp_path / "enrollment"
    folder.mkdir()
    for name in ("kepesertaan_202601.csv", "kepesertaan_202513.csv", "kepesertaan_202602.xlsx"):
        (folder / name).write_text("x\n")
    assert demo._delivered_months(tmp_path) == ["2026-01", "2026-02"]
    assert "kepesertaan_202513.csv" in capsys.readouterr().err


def test_other_sources_refuse_a_bad_name_on_its_own(tmp_path):
    from ucj.contracts.apbdes import year_of_file

    with pytest.raises(UnknownDelivery, match="apbdes_20X5.csv"):
        year_of_file("apbdes_20X5.csv")
    with pytest.raises(UnknownDelivery, match="tenaga_kerja_desa_20X5.csv"):
        reference.table_for("tenaga_kerja_desa_20X5.csv")
    # listed for their own (mapped) task, which refuses them by name
    (tmp_path / "reference").mkdir()
    (tmp_path / "village_budget").mkdir()
    for name in ("umk.csv", "tenaga_kerja_desa_20X5.csv"):
        (tmp_path / "reference" / name).write_text("x\n")
    (tmp_path / "village_budget" / "apbdes_20X5.csv").write_text("x\n")
    assert [Path(f).name for f in reference.delivered_files(str(tmp_path))] == [
        "tenaga_kerja_desa_20X5.csv", "umk.csv"]
    assert [Path(f).name for f in apbdes.delivered_files(str(tmp_path))] == ["apbdes_20X5.csv"]


def test_a_refusal_is_not_retried_and_the_other_files_go_on(tmp_path, dagbag, airflow_db,
                                                            webhook, monkeypatch):
    """A real run of ucj_reference with production retries (2, two minutes apart): the file
    whose name is no reference table fails on its first try, naming it, and the engineers
    are told; the other files of the run are loaded."""
    import time

    from reliability.helpers import Env, write_reference

    env = Env.under(tmp_path)
    for key, value in env.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                       json.dumps({"conn_type": "http", "host": webhook.url}))
    write_reference(env)
    (env.landing / "reference" / "tenaga_kerja_desa_20X5.csv").write_text("tahun\n")
    dag = dagbag.dags["ucj_reference"]
    assert all(task.retries == 2 for task in dag.tasks)
    started = time.time()
    run = dag.test()
    assert time.time() - started < 100  # no two-minute retry wait
    assert str(run.state).endswith("failed")
    states = {ti.map_index: (str(ti.state), ti.try_number)
              for ti in run.get_task_instances() if ti.task_id == "process_file"}
    # sorted: non_asn_2026, tenaga_kerja_desa_2026, tenaga_kerja_desa_20X5, umk
    assert [s.rsplit(".", 1)[-1] for s, _ in states.values()] == [
        "success", "success", "failed", "success"]
    assert states[2][1] == 1  # its first and only try
    for table in ("non_asn", "tenaga_kerja_desa", "umk"):
        assert (env.lake / "reference" / table).exists()
    [hit] = webhook.requests
    assert "tenaga_kerja_desa_20X5.csv" in hit["body"]["text"]


def test_a_refused_month_through_airflow_notifies_once_and_emits_no_asset(
        tmp_path, dagbag, airflow_db, webhook, monkeypatch):
    """A real ucj_enrollment run (production retries) on January re-exported with every upah
    broken, over a good January: the commit fails on its first try naming the file and the
    expectation, the engineers are told once, the lake keeps the good month and no asset
    event is emitted (so the warehouse DAG, and its alerts, never run on it)."""
    import time

    from reliability.helpers import Env

    env = Env.under(tmp_path)
    for key, value in env.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "reliability")
    enrollment_file(env, "2026-01", month_rows("2026-01", 30))
    process_month(env, "2026-01")
    before = lake_state(env.lake)
    monkeypatch.setenv("AIRFLOW_CONN_UCJ_ALERT_WEBHOOK",
                       json.dumps({"conn_type": "http", "host": webhook.url}))
    enrollment_file(env, "2026-01", [{**r, "upah": "3.737.482"}
                                     for r in month_rows("2026-01", 30)])
    dag = dagbag.dags["ucj_enrollment"]
    started = time.time()
    run = dag.test(run_conf={"periode": "2026-01"})
    assert time.time() - started < 100  # no retry wait
    assert str(run.state).endswith("failed")
    states = {ti.task_id: (str(ti.state).rsplit(".", 1)[-1], ti.try_number)
              for ti in run.get_task_instances()}
    assert states["commit"] == ("failed", 1)
    [hit] = webhook.requests
    assert "kepesertaan_202601.csv" in hit["body"]["text"]
    assert "batch_quarantine_share" in hit["body"]["text"]
    after = lake_state(env.lake)
    assert {k: v for k, v in after.items() if k in before} == before
    assert all(k.startswith("raw/") for k in set(after) - set(before))

    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        events = session.query(AssetEvent).filter(
            AssetEvent.source_run_id == run.run_id).count()
    assert events == 0
