"""The DAG folder parses cleanly, cheaply, and wires the assets as designed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EXPECTED = {"ucj_reference", "ucj_enrollment", "ucj_registry", "ucj_warehouse",
            "ucj_village_budget"}


def test_dagbag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert EXPECTED <= set(dagbag.dag_ids)


def test_every_dag_has_owner_tags_retries_and_a_failure_notification(dagbag):
    for dag_id in EXPECTED:
        dag = dagbag.dags[dag_id]
        assert dag.tags and "ucj" in dag.tags, dag_id
        for t in dag.tasks:
            assert t.owner == "data-engineering", (dag_id, t.task_id)
            assert t.retries >= 1, (dag_id, t.task_id)
            assert t.on_failure_callback, (dag_id, t.task_id)


def test_warehouse_is_scheduled_on_the_lake_assets(dagbag):
    from ucj.assets import ENROLLMENT, REFERENCE, REGISTRY, VILLAGE_BUDGET

    dag = dagbag.dags["ucj_warehouse"]
    names = {a.name for a in dag.timetable.asset_condition.objects}
    assert names == {ENROLLMENT.name, REFERENCE.name, REGISTRY.name, VILLAGE_BUDGET.name}
    producer = dagbag.dags["ucj_enrollment"].get_task("commit")
    assert [o.name for o in producer.outlets] == [ENROLLMENT.name]


def test_parsing_does_no_heavy_imports():
    """DAG files import only airflow.sdk and light modules; the heavy ones load inside tasks."""
    code = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(ROOT / 'dags')!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        "heavy = [m for m in ('great_expectations', 'duckdb', 'pyarrow.parquet', 'psycopg2')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy = [line for line in out.stdout.splitlines() if line.startswith("HEAVY=")]
    assert heavy == ["HEAVY="], out.stdout
