"""The village-budget DAG: parsed with the others, publishes its asset, and runs through
Airflow (landing zone -> lake), after which the warehouse DAG loads the year."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_apbdes_rules import BASE, REVENUE, line, write_apbdes


def test_village_budget_dag_is_wired(dagbag):
    from ucj.assets import VILLAGE_BUDGET

    dag = dagbag.dags["ucj_village_budget"]
    assert {t.task_id for t in dag.tasks} == {"find_files", "process_file"}
    assert [o.name for o in dag.get_task("process_file").outlets] == [VILLAGE_BUDGET.name]
    warehouse = dagbag.dags["ucj_warehouse"]
    assert VILLAGE_BUDGET.name in {a.name for a in warehouse.timetable.asset_condition.objects}


@pytest.mark.e2e
def test_village_budget_runs_through_airflow(dagbag, airflow_db, workspace):
    from ucj import warehouse

    lines = [BASE, line(**REVENUE), line(kode_desa="32.13.03.1001", nama_desa="Parung")]
    write_apbdes(Path(workspace.landing_zone) / "village_budget" / "apbdes_2026.csv", lines)
    for second, (dag_id, conf) in enumerate((("ucj_village_budget", {}),
                                             ("ucj_warehouse", {"periodes": []}))):
        stamp = datetime(2026, 3, 1, 0, 0, second, tzinfo=UTC)
        state = str(dagbag.dags[dag_id].test(run_conf=conf, logical_date=stamp).state)
        assert state.endswith("success"), (dag_id, state)
    part = workspace.lake / "village_budget" / "tahun=2026"
    assert (part / "data.parquet").exists()
    # the raw copy, kept under its content (a refused re-delivery never overwrites it)
    assert list((workspace.lake / "raw" / "village_budget" / "tahun=2026").glob(
        "sha256=*/apbdes_2026.csv"))
    wh = warehouse.connect(workspace.warehouse_url, read_only=True)
    try:
        audit = wh.query("SELECT rows_read, rows_valid, rows_quarantined, rows_loaded "
                         "FROM audit.run_audit WHERE source = 'village_budget'")
        assert audit.values.tolist() == [[3, 2, 1, 2]]
        kab = wh.query("SELECT dana_desa_anggaran, premi_perangkat_anggaran "
                       "FROM marts.mart_dana_desa WHERE tingkat = 'kabupaten'")
        assert kab.values.tolist() == [[1_250_000_000, 1_872_000]]
    finally:
        wh.close()
